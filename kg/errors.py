"""Exceptions with actionable messages; the CLI turns each into one line and a non-zero exit."""

from __future__ import annotations

from dataclasses import dataclass


class KgError(Exception):
    """Base class of every error kg raises on purpose (bad input, bad options, bad queries)."""


class InputError(KgError):
    """An input file is missing, unreadable, of an unknown format, or holds a bad record.

    >>> str(InputError("bad JSON: Expecting value", source="a.jsonl", line=3))
    'a.jsonl:3: bad JSON: Expecting value'
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.detail = message
        where = source or ""
        if source is not None and line is not None:
            where = f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class FormatError(KgError):
    """An unknown format name was asked for; the message lists the valid ones."""


class OptionError(KgError):
    """A command-line or API option has a value kg cannot use."""


class QueryError(KgError):
    """A SPARQL query is malformed, refused (updates, SERVICE) or lacks a parameter."""


class GraphError(KgError):
    """A graph file cannot be parsed or does not hold a kg graph."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad record that was skipped (or, with `skipped` False, kept with a warning): where it was and
    what was wrong.

    >>> str(Problem("papers.csv", 7, "row has 3 fields, header has 4"))
    'papers.csv:7: row has 3 fields, header has 4'
    """

    source: str
    line: int | None
    message: str
    skipped: bool = True
    """False for a warning about a record that was kept (e.g. a text too long to extract whole)."""

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"

    def as_error(self) -> InputError:
        """The same problem as an exception, for `--strict` runs."""
        return InputError(self.message, source=self.source, line=self.line)
