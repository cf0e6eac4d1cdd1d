"""Reading JSON Lines files of records, stopping at the first bad line with its file and line number."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from kg.errors import InputError, Problem

T = TypeVar("T")


def read_jsonl(path: str | Path, parse: Callable[[Any], T], *, what: str) -> Iterator[T]:
    """Each non-blank line of a JSON Lines file, parsed by `parse`.

    A line that is not JSON, or that `parse` rejects (KeyError, TypeError, ValueError,
    AttributeError: a value of the wrong shape), stops the reading with an InputError naming the
    file, the line and `what` was expected there; so do bytes that are not text (a binary file) and a
    line longer than `kg.textio.MAX_LINE` characters, which is never read whole. UTF-16 and
    UTF-32 files are read as such (`kg.textio.sniff_encoding`).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = path.write_text('{"id": 1}\\n\\n{"id": 2}\\n')
    >>> list(read_jsonl(path, lambda obj: obj["id"], what="record"))
    [1, 2]
    """
    from kg.textio import bad_text, bounded_lines, text_stream

    name = str(path)
    try:
        handle = Path(path).open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {what}s: {exc.strerror}", source=name) from None

    def overlong(problem: Problem) -> None:
        raise InputError(problem.message.replace("; skipped", ""), source=name, line=problem.line)

    with handle:
        try:
            text = text_stream(handle)
            for number, line in enumerate(bounded_lines(text, name, overlong), 1):
                if not line.strip():
                    continue
                wrong = bad_text(line)
                if wrong is not None:
                    raise InputError(f"bad {what}: {wrong}; is this a binary file? kg reads JSON Lines text",
                                     source=name, line=number)
                try:
                    value = parse(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"bad {what}: not JSON ({exc.msg} at column {exc.colno})",
                                     source=name, line=number) from None
                except RecursionError:
                    raise InputError(f"bad {what}: JSON nested too deeply", source=name, line=number) from None
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise InputError(f"bad {what}: {_reason(exc)}", source=name, line=number) from None
                yield value
        except OSError as exc:
            raise InputError(f"cannot read {what}s: {exc.strerror or exc}", source=name) from None


def _reason(exc: Exception) -> str:
    """What a parse error says, with the missing key named for a KeyError."""
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "a field is missing"
    return str(exc)
