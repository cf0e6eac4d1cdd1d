"""Where outputs go, and the checks that keep a careless command line from losing data.

- `output_target`: how a file named by ``-o`` is written. A regular file or a new path is replaced
  atomically (a temporary file beside it, renamed into place when complete). A FIFO or a character
  device (``/dev/null``, ``/dev/full``, a terminal) is opened and written directly: renaming a file
  over it would replace the node itself. ``-`` is standard output; ``/dev/stdout``, ``/dev/stderr``
  and ``/dev/fd/N`` write into that open descriptor, as a shell redirection does (an ``>>`` append
  stays an append). A symbolic link is followed: its target gets the content (atomically when the
  target is a regular file or new), the link stays a link. A folder, a block device (a disk) or a
  socket where a file is expected is refused with one line.
- `refuse_overwriting_inputs`: an output that is also an input, under any spelling or hard link.
- `check_build_folder` and `locked_folder`: a build writes into a folder, not a file, never reads
  its own outputs as inputs, and only one build at a time writes a folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kg.errors import KgError, OptionError

Kind = Literal["atomic", "direct", "descriptor", "stdout"]
STDOUT = "-"


@dataclass(frozen=True, slots=True)
class Target:
    """How to write one output: `kind`, the `path` to write (a link's target for "atomic"), the
    `name` the user gave (for messages), the open `descriptor` ("descriptor") and the `mode` bits of
    a regular file being replaced (kept by the new file)."""

    kind: Kind
    path: Path
    name: str
    descriptor: int | None = None
    mode: int | None = None


_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/thread-self/fd|proc/(\d+)/fd)/(\d+)")


def _descriptor(name: str) -> int | None:
    """The descriptor of this process that `name` designates (/dev/stdout, /dev/fd/3, ...), else None."""
    path = os.path.abspath(name)
    for _ in range(40):  # the kernel's own limit on nested links
        found = _FD_PATH.fullmatch(path)
        if found and (found.group(1) is None or int(found.group(1)) == os.getpid()):
            return int(found.group(2))
        try:
            link = os.readlink(path)
        except OSError:
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None


def output_target(path: str | os.PathLike[str]) -> Target:
    """How the file output `path` is written (see the module docstring); KgError for a folder,
    a block device, a socket or a path that cannot be looked at.

    >>> output_target("-").kind, output_target("/dev/null").kind
    ('stdout', 'direct')
    >>> output_target("/")
    Traceback (most recent call last):
    ...
    kg.errors.KgError: /: is a folder; give the name of a file to write
    """
    name = os.fspath(path)
    if name == STDOUT:
        return Target("stdout", Path(STDOUT), "standard output")
    descriptor = _descriptor(name)
    if descriptor is not None:
        return Target("descriptor", Path(name), name, descriptor=descriptor)
    try:
        st = os.stat(name)  # follows symbolic links
    except FileNotFoundError:  # a new file, or a link to one: created where the link points
        return Target("atomic", Path(os.path.realpath(name)), name)
    except NotADirectoryError:
        raise KgError(f"{name}: cannot write: a part of the path is a file, not a folder") from None
    except OSError as exc:
        raise KgError(f"{name}: cannot write: {exc.strerror or exc}") from None
    if stat.S_ISREG(st.st_mode):
        return Target("atomic", Path(os.path.realpath(name)), name, mode=stat.S_IMODE(st.st_mode))
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return Target("direct", Path(name), name)
    if stat.S_ISDIR(st.st_mode):
        raise KgError(f"{name}: is a folder; give the name of a file to write")
    if stat.S_ISBLK(st.st_mode):
        raise KgError(f"{name}: is a block device (a disk); kg writes files, FIFOs and character devices only")
    raise KgError(f"{name}: is a socket or other special file; give the name of a file to write")


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the regular file at `path` (links followed), None for anything else."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def refuse_overwriting_inputs(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """KgError when `output` is one of the input files (compared as files, so another spelling of
    the path, a symbolic or a hard link count as the same); writing it would destroy what is read.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.jsonl").write_text("{}")
    >>> refuse_overwriting_inputs(folder / "b.jsonl", [folder / "a.jsonl"])  # a new output: fine
    >>> refuse_overwriting_inputs(folder / "." / "a.jsonl", [folder / "a.jsonl"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.KgError: .../a.jsonl: is also an input (...); write the output to another file
    """
    if os.fspath(output) == STDOUT:
        return
    written = _identity(output)
    if written is None:
        return
    for inp in inputs:
        if os.fspath(inp) != STDOUT and _identity(inp) == written:
            raise KgError(f"{os.fspath(output)}: is also an input ({os.fspath(inp)}); "
                          "write the output to another file")


def check_build_folder(folder: Path, inputs: Iterable[str | os.PathLike[str]], outputs: Iterable[str]) -> None:
    """KgError unless `folder` can hold a build: a folder or a new path (not a file, not standard
    output), that is not itself an input folder (the build would read its own outputs), and none of
    whose `outputs` (file names) is an input file.

    An input folder that merely contains `folder` is fine: `read_papers` skips `folder` in it.
    """
    name = os.fspath(folder)
    if name == STDOUT:
        raise OptionError("a build writes a folder of files; -o - (standard output) cannot hold it")
    if folder.exists() and not folder.is_dir():
        raise KgError(f"{name}: is a file, not a folder; give a folder for the build's outputs "
                      "(a new one, or one that kg build wrote)")
    inputs = [os.fspath(p) for p in inputs if os.fspath(p) != STDOUT]
    if folder.is_dir():
        for inp in inputs:
            with contextlib.suppress(OSError):
                if os.path.isdir(inp) and os.path.samefile(inp, folder):
                    raise KgError(f"{name}: the output folder is also an input folder ({inp}): the build would "
                                  "read its own outputs and replace them; write the build elsewhere (-o OTHER)")
        for output in outputs:
            refuse_overwriting_inputs(folder / output, inputs)


@contextlib.contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """Creates `folder` when needed and holds an exclusive lock on it for the block: a second kg
    build into the same folder (`-o` or `--update`) is refused with one line instead of running at
    the same time and dropping the first one's papers.

    The lock is `flock` on the folder itself (nothing is left in it); the kernel releases it when the
    process ends, however it ends. Where the file system offers no such locks (some network file
    systems) the build runs unlocked, as before.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise KgError(f"{folder}: is a file, not a folder; give a folder for the build's outputs") from None
    except OSError as exc:
        raise KgError(f"{folder}: cannot create the output folder: {exc.strerror or exc}") from None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        yield
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise KgError(f"{folder}: cannot open the output folder: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KgError(f"{folder}: another kg build is writing into this folder; wait for it to finish, "
                          "or build into another folder") from None
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF):
                raise KgError(f"{folder}: cannot lock the output folder: {exc.strerror or exc}") from None
        yield
    finally:
        os.close(descriptor)  # releases the lock


def check_model_folder(folder: Path) -> None:
    """KgError unless `folder` may be replaced by a trained model: a new path, an empty folder, or
    a folder holding a model (its meta.json). `kg train -o ~/Documents` must not delete a folder of
    someone's files to put a model there.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_model_folder(folder / "new"); check_model_folder(folder)  # new, empty: fine
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> check_model_folder(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.KgError: ...: holds files that are not a kg model; give a new folder, an empty one or a model folder
    """
    name = os.fspath(folder)
    if name == STDOUT:
        raise OptionError("a model is a folder of files; -o - (standard output) cannot hold it")
    if not os.path.lexists(folder):
        return
    if not folder.is_dir():
        raise KgError(f"{name}: is a file, not a folder; give a folder for the model")
    try:
        entries = [entry.name for entry in folder.iterdir()]
    except OSError as exc:
        raise KgError(f"{name}: cannot read the folder: {exc.strerror or exc}") from None
    if entries and "meta.json" not in entries:
        raise KgError(f"{name}: holds files that are not a kg model; give a new folder, an empty one or a model folder")
