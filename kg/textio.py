"""Opening inputs (files, stdin, pipes) and the checks every reader shares.

Readers decode UTF-8 with ``errors="surrogateescape"``: a bad byte never stops the decoder, it becomes
a lone surrogate that `bad_text` finds, so each reader can skip just the record that holds it.
UTF-16 and UTF-32 files are read as such: with a byte order mark, or UTF-16 without one when its
text is mostly Latin (every other byte zero) -- see `sniff_encoding`.

No line is held whole when it is longer than `MAX_LINE` characters (`bounded_lines`): a file
of one endless line costs `MAX_LINE` characters of memory, and its reader reports the line.
"""

from __future__ import annotations

import codecs
import io
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from kg.errors import InputError, Problem

OnProblem = Callable[[Problem], None]
STDIN_NAME = "<stdin>"
HEAD_SIZE = 65536
MAX_LINE = 32 * 2**20  # characters: far above any record (an arXiv record is a few kB), far below memory


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
    try:
        pipe = stat.S_ISFIFO(Path(path).stat().st_mode) or stat.S_ISCHR(Path(path).stat().st_mode)
    except (OSError, ValueError):
        pipe = False
    if pipe:  # a FIFO, `<(zcat papers.gz)`, /dev/stdin: read once, like stdin, its head kept for sniffing
        return Input(str(path), stream=io.BufferedReader(_LazyStream(Path(path))))
    return Input(str(path), path=Path(path))


class _LazyStream(io.RawIOBase):
    """A pipe opened at its first read (opening a FIFO waits for its writer)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._handle: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._handle is None:
            try:
                self._handle = open(self._path, "rb", buffering=0)
            except OSError as err:
                raise _os_error(str(self._path), err) from err
        return self._handle.readinto(buffer)  # type: ignore[attr-defined, no-any-return]

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        super().close()


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


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a file from its first bytes, and the length of its byte order mark.

    A BOM names UTF-8, UTF-16 or UTF-32 (either byte order); without one, text whose every other
    byte is zero is UTF-16 (mostly Latin text: the zeros are the high bytes); anything else is UTF-8.

    >>> sniff_encoding("\ufeff{}".encode("utf-16-le")), sniff_encoding('{"id": 1}'.encode("utf-16-be"))
    (('utf-16-le', 2), ('utf-16-be', 0))
    >>> sniff_encoding(b'{"id": 1}'), sniff_encoding(codecs.BOM_UTF8 + b"{}")
    (('utf-8', 0), ('utf-8', 3))
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    sample = head[:1024]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) >= 8:
        quads = [sample[i::4] for i in range(4)]
        if not any(quads[1] + quads[2] + quads[3]) and all(quads[0]):
            return "utf-32-le", 0
        if not any(quads[0] + quads[1] + quads[2]) and all(quads[3]):
            return "utf-32-be", 0
        even, odd = sample[0::2], sample[1::2]
        if not any(odd) and even.count(0) == 0:
            return "utf-16-le", 0
        if not any(even) and odd.count(0) == 0:
            return "utf-16-be", 0
    return "utf-8", 0


def _undecodable(err: UnicodeError) -> tuple[str, int]:
    """For UTF-16 and UTF-32 input: a lone surrogate code unit is kept as it is (surrogatepass), any
    other undecodable unit (a truncated last character) becomes U+DFFF; `bad_text` reports both, so
    just the record holding one is skipped."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    try:
        return codecs.lookup_error("surrogatepass")(err)  # type: ignore[return-value]
    except UnicodeDecodeError:
        return "\udfff", err.end


codecs.register_error("kg-unicode", _undecodable)


def text_stream(raw: BinaryIO) -> TextIO:
    """`raw` (a buffered binary stream at its start) as text in the encoding its first bytes show, its
    BOM dropped, bad bytes kept as surrogates, newlines kept as written. Detach it when done."""
    head = raw.peek(1024)[:1024] if hasattr(raw, "peek") else b""
    encoding, bom = sniff_encoding(head)
    raw.read(bom)
    errors = "surrogateescape" if encoding == "utf-8" else "kg-unicode"
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")


@contextmanager
def open_text(inp: Input) -> Iterator[TextIO]:
    """The input as text: UTF-8, UTF-16 or UTF-32 by its first bytes (`sniff_encoding`; a BOM is
    dropped), bad bytes kept as surrogates, newlines kept."""
    with open_binary(inp) as raw:
        text = text_stream(raw)
        try:
            yield text
        finally:
            text.detach()  # type: ignore[attr-defined]


@contextmanager
def open_lines(inp: Input, on_problem: OnProblem) -> Iterator[Iterator[str]]:
    """The lines of the input as `open_text` decodes them, each at most `MAX_LINE` characters
    (`bounded_lines`: a longer one is reported and given as "")."""
    with open_text(inp) as text:
        yield bounded_lines(text, inp.name, on_problem)


def decode_head(head: bytes) -> str:
    """The first bytes of a file as text in their encoding (a character cut at the end replaced)."""
    encoding, bom = sniff_encoding(head)
    return head[bom:].decode(encoding, "replace")


def bounded_lines(text: TextIO, name: str, on_problem: OnProblem, limit: int = MAX_LINE) -> Iterator[str]:
    """Each line of `text` with its terminator; a line longer than `limit` characters is reported as
    a Problem (file:line) and given as "" (so the numbers of the lines after it stay right), and is
    never held whole: reading it costs `limit` characters of memory, however long it is.

    >>> import io
    >>> list(bounded_lines(io.StringIO("ok\\n" + "x" * 9 + "\\nend"), "f.txt", print, limit=5))
    f.txt:2: line longer than 5 characters, the most kg reads as one record; skipped
    ['ok\\n', '', 'end']
    """
    number = 0
    while line := text.readline(limit + 1):
        number += 1
        if len(line) <= limit or line.endswith(("\n", "\r")):
            yield line
            continue
        while (rest := text.readline(1 << 20)) and not rest.endswith(("\n", "\r")):
            pass
        on_problem(Problem(name, number, f"line longer than {limit:,} characters, the most kg reads as one "
                                         "record; skipped"))
        yield ""


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
