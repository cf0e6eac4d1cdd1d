"""Opening inputs (files and stdin) and the checks every reader shares.

Readers decode UTF-8 with ``errors="surrogateescape"``: a bad byte never stops the decoder, it becomes
a lone surrogate that `bad_text` finds, so each reader can skip just the record that holds it.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from kg.errors import InputError, Problem

OnProblem = Callable[[Problem], None]
STDIN_NAME = "<stdin>"
HEAD_SIZE = 65536


class Input:
    """Something a reader can open: a file path, or stdin (whose first bytes may be read already).

    `name` is what `Paper.source` and every `Problem` show.
    """

    __slots__ = ("head", "name", "path", "stream")

    def __init__(self, name: str, path: Path | None = None, stream: BinaryIO | None = None,
                 head: bytes = b"") -> None:
        self.name = name
        self.path = path
        self.stream = stream
        self.head = head

    def __repr__(self) -> str:
        return f"Input({self.name!r})"


def as_input(path: str | Path | Input) -> Input:
    """`path` as an `Input`; ``"-"`` is stdin."""
    if isinstance(path, Input):
        return path
    if str(path) == "-":
        return Input(STDIN_NAME, stream=sys.stdin.buffer)
    return Input(str(path), path=Path(path))


class _Prefixed(io.RawIOBase):
    """A raw stream that returns `head` first, then the rest of `stream` (stdin after sniffing)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _os_error(name: str, err: OSError) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError("no such file or directory", source=name)
    if isinstance(err, IsADirectoryError):
        return InputError("is a directory, expected a file", source=name)
    if isinstance(err, PermissionError):
        return InputError("permission denied", source=name)
    return InputError(f"cannot read: {err.strerror or err}", source=name)


@contextmanager
def open_binary(inp: Input) -> Iterator[BinaryIO]:
    """The input as a binary stream; a missing or unreadable file raises `InputError`."""
    if inp.path is None:
        if inp.stream is None:
            raise InputError("nothing to read", source=inp.name)
        yield io.BufferedReader(_Prefixed(inp.head, inp.stream))
        return
    try:
        handle = open(inp.path, "rb")  # closed by the with below
    except OSError as err:
        raise _os_error(inp.name, err) from err
    except ValueError as err:  # a NUL character in the path
        raise InputError(f"bad file name: {err}", source=inp.name) from err
    with handle:
        try:
            yield handle
        except OSError as err:
            raise _os_error(inp.name, err) from err


@contextmanager
def open_text(inp: Input) -> Iterator[TextIO]:
    """The input as text: UTF-8 (a leading BOM dropped), bad bytes kept as surrogates, newlines kept."""
    with open_binary(inp) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            yield text
        finally:
            text.detach()


def read_head(inp: Input, size: int = HEAD_SIZE) -> bytes:
    """The first `size` bytes of the input; for stdin they are kept so a reader sees them again."""
    if inp.path is None:
        if inp.stream is None:
            return b""
        if len(inp.head) < size:
            inp.head += inp.stream.read(size - len(inp.head))
        return inp.head[:size]
    with open_binary(inp) as handle:
        return handle.read(size)


def strip_newline(line: str) -> str:
    """`line` without its line terminator ("\\n", "\\r\\n" or "\\r").

    >>> strip_newline("a title\\r\\n")
    'a title'
    """
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


_SURROGATE = re.compile("[\ud800-\udfff]")


def bad_text(text: str) -> str | None:
    """What is wrong with `text` when it holds undecodable bytes or lone surrogates, else None.

    >>> bad_text(b"caf\\xe9".decode("utf-8", "surrogateescape"))
    'invalid UTF-8 byte 0xE9 at character 3'
    >>> bad_text("fine") is None
    True
    """
    found = _SURROGATE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"invalid UTF-8 byte 0x{code - 0xDC00:02X} at character {found.start()}"
    return f"lone surrogate U+{code:04X} at character {found.start()}"
