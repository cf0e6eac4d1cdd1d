"""Locks that keep kg's readers of a store and its writers (RocksDB, `kg load --replace`) apart,
and the errors raised when a store is missing or in use.

POSIX record locks (fcntl), the kind RocksDB takes on its LOCK file: they conflict across
processes, and closing any descriptor of the file drops all of the process's locks on it. So a
process opens each LOCK file once and counts its readers (`_held`), and refuses to replace a store
that it reads itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from kg.errors import KgError

LOCK_NAME = "LOCK"
"""RocksDB's lock file in every store directory (locked while a process has the store open for writing)."""


class StoreError(KgError):
    """A store directory is missing, is not a store, or cannot be read or written."""


class StoreInUseError(StoreError):
    """Another process has the store open (for writing, or for reading when it is to be replaced)."""


_held: dict[tuple[int, int], list[int]] = {}  # (device, inode) of LOCK -> [descriptor, readers]
_held_guard = threading.Lock()


def _in_use(folder: Path, why: str) -> StoreInUseError:
    return StoreInUseError(f"store {folder} is in use by another process ({why}); "
                           "stop it or use another --store")


def _holder(fd: int) -> str:
    """Who holds a lock on `fd`, for the message ("process 1234"), when the system tells."""
    if not sys.platform.startswith("linux"):
        return "another process"
    try:
        import fcntl
        import struct

        layout = "hhqqi4x"  # struct flock on Linux: l_type, l_whence, l_start, l_len, l_pid
        query = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        kind, _, _, _, pid = struct.unpack(layout, answer)
        if kind != fcntl.F_UNLCK and pid > 0:
            return f"process {pid}"
    except (ImportError, OSError, struct.error):
        pass
    return "another process"


def _lock_shared(folder: Path) -> tuple[int, int] | None:
    """Take (or count) a shared lock on the store's LOCK file; the key to release it with."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        return None
    lock = folder / LOCK_NAME
    try:
        st = os.stat(lock)
    except FileNotFoundError:
        return None  # not made by RocksDB yet (or a foreign layout): nothing to coordinate with
    key = (st.st_dev, st.st_ino)
    with _held_guard:
        if key in _held:
            _held[key][1] += 1
            return key
        fd = os.open(lock, os.O_RDONLY)
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            who = _holder(fd)
            os.close(fd)
            raise _in_use(folder, f"{who} has it open for writing") from None
        _held[key] = [fd, 1]
        return key


def _unlock(key: tuple[int, int] | None) -> None:
    if key is None:
        return
    with _held_guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _held[key]
            os.close(entry[0])


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on an existing store's LOCK file: no process reads or writes it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        yield
        return
    lock = folder / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        yield
        return
    try:
        st = os.fstat(fd)
        with _held_guard:
            if (st.st_dev, st.st_ino) in _held:
                raise StoreInUseError(f"store {folder} is open in this process (a server or query is reading "
                                      "it); close it or use another --store")
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise _in_use(folder, f"{_holder(fd)} has it open: a kg serve, kg query or Oxigraph program") from None
        yield
    finally:
        os.close(fd)
