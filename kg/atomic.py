"""Atomic output: a file appears whole under its name, or not at all.

Every writer in kg writes to a temporary file beside the target and renames it into place only when
the content is complete, so an interrupted run never leaves a half-written graph or record file.
A set of outputs that belong together is staged and renamed together (`staged_outputs`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kg.errors import KgError
from kg.targets import Target, output_target


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[str]]:
    """Opens a temporary file beside `path`; on success it replaces `path`, on error it is removed.

    That holds for a regular file or a new path (a symbolic link's target is replaced, the link
    stays). Anything else is written as `kg.targets.output_target` says: ``-`` is standard output,
    a FIFO or character device (``/dev/null``) is written directly and never replaced, a folder or a
    disk is refused. A failed write is a KgError naming `path` ("cannot write: No space left on
    device"). A replaced file keeps its permission bits.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as f:
    ...     _ = f.write("done")
    >>> target.read_text()
    'done'
    """
    target = output_target(path)
    if target.kind != "atomic":
        with _write_directly(target, mode, encoding) as handle:
            yield handle
        return
    final = target.path
    directory = final.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KgError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, target.mode if target.mode is not None else 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise KgError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


@contextlib.contextmanager
def _write_directly(target: Target, mode: str, encoding: str | None) -> Iterator[IO[Any]]:
    """The output opened for writing in place: standard output, an open descriptor, a FIFO or a
    character device. Nothing is replaced; what was written before a failure stays written (a FIFO
    or a device cannot take it back)."""
    binary = "b" in mode
    owned = True
    try:
        if target.kind == "stdout":
            sys.stdout.flush()
            raw: IO[bytes] = sys.stdout.buffer
            owned = False
        else:
            if target.descriptor in (1, 2):
                (sys.stdout if target.descriptor == 1 else sys.stderr).flush()
            fd = os.dup(target.descriptor) if target.descriptor is not None else \
                os.open(target.path, os.O_WRONLY | os.O_NOCTTY)
            raw = os.fdopen(fd, "wb")
    except OSError as exc:
        raise KgError(f"{target.name}: cannot write: {exc.strerror or exc}") from None
    handle: IO[Any] = raw if binary else io.TextIOWrapper(raw, encoding=encoding or "utf-8", write_through=False)
    try:
        yield handle
        handle.flush()
    except BrokenPipeError:
        if target.kind in ("stdout", "descriptor"):
            raise  # the reader went away (`kg read ... -o - | head`): the CLI ends quietly
        raise KgError(f"{target.name}: cannot write: the reader of the FIFO went away") from None
    except OSError as exc:
        raise KgError(f"{target.name}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError, ValueError):  # closing after a failed write may fail again
            if owned:
                handle.close()
            elif isinstance(handle, io.TextIOWrapper):
                handle.detach()


@contextlib.contextmanager
def staged_outputs(directory: str | Path) -> Iterator[Path]:
    """A hidden staging folder inside `directory` for a set of outputs that belong together.

    Write every output into the yielded folder; when the block succeeds they are renamed into
    `directory` one after the other (renames need no disk space and cannot fail half-way through a
    file), and when it fails (a full disk, Ctrl-C, a bug) the staging folder is removed, so the
    previous outputs stay as they were, all of them, not a mix of old and new files. The folder is
    claimed while in use (`kg.leftovers`): one that a killed run left is removed by the next.

    >>> import pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = (stage / "a.txt").write_text("new")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt']
    """
    from kg.leftovers import LOCK_NAME, claim, remove_leftovers

    target = Path(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target, f"{STAGING_PREFIX}*")  # of killed runs; never one a live process holds
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target))
        lock = claim(stage)
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}") from None
    kept = "; the previous outputs were left as they were"
    try:
        yield stage
        for item in sorted(stage.iterdir()):
            if item.name != LOCK_NAME:
                os.replace(item, target / item.name)
    except KgError as exc:  # name the output, not its staging copy
        raise KgError(str(exc).replace(str(stage), str(target)) + kept) from None
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}{kept}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        os.close(lock)  # after the folder is gone: no other run removes it while this one uses it


STAGING_PREFIX = ".kg-staging-"


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
