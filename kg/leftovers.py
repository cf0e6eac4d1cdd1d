"""Temporary folders that a killed run left behind, removed by the next run, and never one in use.

kg writes a set of outputs into a staging folder (`.kg-staging-*`, `kg.atomic.staged_outputs`) and
loads a store into `STORE.tmp-*` (`kg.rdf.store.create_store`), and removes them when it ends, even
on Ctrl-C, SIGTERM or an error. A SIGKILL (or a power cut) leaves them: tens of MB each. A process
that makes such a folder `claim`s it, holding an exclusive `flock` on the file `LOCK_NAME` inside it
for as long as it uses it; the kernel releases the lock when the process dies, however it dies.
`remove_leftovers` removes each folder of a pattern whose lock it can take, and leaves alone the
ones a live process holds. A folder without the file (its run was killed in the instant between
making it and claiming it) is removed only once it is `GRACE_SECONDS` old.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".kg-in-use"
"""The file inside a claimed folder that its process holds locked."""
GRACE_SECONDS = 60.0


def claim(folder: Path) -> int:
    """Locks `folder` as in use by this process; returns the descriptor to `release` it with."""
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
    except ImportError:  # pragma: no cover - not POSIX: no locking, and no cleaning either
        pass
    return fd


def release(folder: Path, fd: int) -> None:
    """Ends a `claim`: removes the lock file, then drops the lock."""
    with contextlib.suppress(OSError):
        os.unlink(folder / LOCK_NAME)
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def claimed(folder: Path) -> Iterator[Path]:
    """`claim` for the block (the lock file is gone when it ends)."""
    fd = claim(folder)
    try:
        yield folder
    finally:
        release(folder, fd)


def remove_leftovers(parent: Path, pattern: str) -> list[Path]:
    """Removes the folders in `parent` matching `pattern` (a glob) that no live process uses.

    Returns those removed. Never raises: a folder that cannot be read or removed is left.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / ".kg-staging-a").mkdir(); (root / ".kg-staging-b").mkdir()
    >>> (root / ".kg-staging-a" / LOCK_NAME).touch()       # a killed run's: its lock is free
    >>> fd = claim(root / ".kg-staging-b")                 # this run's
    >>> [p.name for p in remove_leftovers(root, ".kg-staging-*")]
    ['.kg-staging-a']
    >>> release(root / ".kg-staging-b", fd)
    """
    removed: list[Path] = []
    try:
        candidates = sorted(parent.glob(pattern))
    except OSError:
        return removed
    for folder in candidates:
        with contextlib.suppress(OSError):
            if folder.is_symlink() or not folder.is_dir():
                continue
            if _unused(folder):
                shutil.rmtree(folder, ignore_errors=True)
                if not folder.exists():
                    removed.append(folder)
    return removed


def _unused(folder: Path) -> bool:
    """Whether no live process holds `folder`'s lock (checked by taking it)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return time.time() - folder.stat().st_mtime > GRACE_SECONDS
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)  # the lock goes with it; the folder is removed next, by name
    return True
