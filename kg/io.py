"""Atomic output: a file appears whole under its name, or not at all.

Every writer in kg writes to a temporary file beside the target and renames it into place only when
the content is complete, so an interrupted run never leaves a half-written graph or record file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from kg.errors import InputError, KgError

T = TypeVar("T")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[str]]:
    """Opens a temporary file beside `path`; on success it replaces `path`, on error it is removed.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as f:
    ...     _ = f.write("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise KgError(f"{target}: cannot write: {exc.strerror or exc}") from None
        raise


@contextlib.contextmanager
def staged_outputs(directory: str | Path) -> Iterator[Path]:
    """A hidden staging folder inside `directory` for a set of outputs that belong together.

    Write every output into the yielded folder; when the block succeeds they are renamed into
    `directory` one after the other (renames need no disk space and cannot fail half-way through a
    file), and when it fails (a full disk, Ctrl-C, a bug) the staging folder is removed, so the
    previous outputs stay as they were, all of them, not a mix of old and new files.

    >>> import pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = (stage / "a.txt").write_text("new")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt']
    """
    target = Path(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".kg-staging-", dir=target))
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}") from None
    kept = "; the previous outputs were left as they were"
    try:
        yield stage
        for item in sorted(stage.iterdir()):
            os.replace(item, target / item.name)
    except KgError as exc:  # name the output, not its staging copy
        raise KgError(str(exc).replace(str(stage), str(target)) + kept) from None
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}{kept}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_jsonl(path: str | Path, parse: Callable[[Any], T], *, what: str) -> Iterator[T]:
    """Each non-blank line of a JSON Lines file, parsed by `parse`.

    A line that is not JSON, or that `parse` rejects (KeyError, TypeError, ValueError), stops the
    reading with an InputError naming the file, the line and `what` was expected there.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = path.write_text('{"id": 1}\\n\\n{"id": 2}\\n')
    >>> list(read_jsonl(path, lambda obj: obj["id"], what="record"))
    [1, 2]
    """
    try:
        handle = Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what}s: {exc.strerror}", source=str(path)) from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield parse(json.loads(line))
            except (KeyError, TypeError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
                raise InputError(f"bad {what}: {exc}", source=str(path), line=number) from None
