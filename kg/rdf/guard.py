"""The read-only guard every SPARQL query passes before pyoxigraph runs it (`check_query`).

The guard reads the query with SPARQL's own lexical rules (the terminals of the SPARQL 1.1
grammar, with the UCHAR escapes pyoxigraph accepts in strings and IRIs), in one linear pass of pure
Python with no shared state, so that it can run in any number of threads at once. It refuses:

* update requests: an update keyword (INSERT, DELETE, WITH, LOAD, CLEAR, DROP, CREATE, ADD, MOVE,
  COPY) starting a statement, even in a text that does not parse (pyoxigraph's query parser would
  refuse them too; this gives the clear message);
* SERVICE (a remote call) and FROM / FROM NAMED. pyoxigraph matches keywords as prefixes
  (`SERVICESILENT<...>{}` and `trueSERVICE<...>{}` both call out), so every bare word containing
  SERVICE or FROM, and every prefixed name whose prefix contains SERVICE (or starts with FROM, at
  the top level), is refused; in strings, IRIs, comments, variables and local names they are data;
* characters outside string literals that are not printable, other than tab, LF and CR: control
  characters (NUL, ESC, VT, FF, NEL...), format characters (bidi overrides, zero-width, BOM) and
  line/paragraph separators. CR is whitespace and ends a comment, as in SPARQL and in pyoxigraph;
* backslashes outside strings and IRIs (other than the escapes of local names): SPARQL has no
  codepoint escapes there, and pyoxigraph decodes `\\u` only inside strings and IRIs, so an escape
  cannot spell a keyword;
* a `<` that pyoxigraph may read either as an IRI or as "less than" (inside parentheses, after an
  operand, e.g. `FILTER(1<2)SERVICE:x#>`) when the two readings would tokenize differently (the
  would-be IRI holds `#`, `'`, or brackets); `?a < ?b`, with spaces, is never ambiguous;
* queries longer than MAX_QUERY_CHARS characters, nesting brackets deeper than MAX_DEPTH, or with
  more than MAX_TOKENS tokens outside VALUES data and IN lists: pyoxigraph's parser and evaluator
  recurse, and a long chain of `+`, UNION, OPTIONAL, BIND or collection items overflows an 8 MiB
  stack (a segmentation fault) at 2,800-30,000 items; these caps keep it under half of that.

Refusals and lexical errors raise QueryError with one line (and a line and column where useful).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from kg.errors import QueryError

UPDATE_REFUSED = "updates are refused: kg query is read-only"
SERVICE_REFUSED = "SERVICE is refused: kg query answers from the local graph only"
FROM_REFUSED = "FROM and FROM NAMED are refused: kg query answers from the local graph only"

MAX_QUERY_CHARS = 1 << 20
"""Longest query text accepted (characters); the endpoint's body limit is 1 MiB too."""
MAX_DEPTH = 64
"""Deepest nesting of (), {} and [] accepted."""
MAX_TOKENS = 2000
"""Most tokens accepted outside VALUES data and the values of IN lists."""

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_FORMS: tuple[QueryForm, ...] = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = ("INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")

# --- SPARQL 1.1 terminals (section 19.8 of the recommendation) -----------------------------------

_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_U = _BASE + "_"
_CHARS = _U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ESC = rf"\\[tbnrf\"'\\]|{_UCHAR}"
_PLX = rf"%{_HEX}{{2}}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}](?:\.*[{_CHARS}])*"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:\.*(?:[{_CHARS}:]|{_PLX}))*"
_EXP = "[eE][+-]?[0-9]+"

_IRI = rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]++|{_UCHAR})*+>"
_SKIP = re.compile(r"(?:[ \t\r\n]++|\#[^\r\n]*+)*+")  # whitespace and comments (which end at LF or CR)
_TOKEN = re.compile(
    rf"""
    (?:[ \t\r\n]++|\#[^\r\n]*+)*+
    (?:
      (?P<string>\"\"\"(?:[^\"\\]++|{_ESC}|\"(?!\"\"))*+\"\"\"
                 |'''(?:[^'\\]++|{_ESC}|'(?!''))*+'''
                 |"(?:[^"\\\r\n]++|{_ESC})*+"
                 |'(?:[^'\\\r\n]++|{_ESC})*+')
    | (?P<iri>{_IRI})
    | (?P<lt><=?)
    | (?P<var>[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+)
    | (?P<bnode>_:[{_U}0-9](?:\.*[{_CHARS}])*)
    | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
    | (?P<word>[{_U}][{_CHARS}]*+)
    | (?P<number>[0-9]+\.[0-9]*{_EXP}|[0-9]*\.[0-9]+(?:{_EXP})?|[0-9]+(?:{_EXP})?)
    | (?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)
    | (?P<punct>&&|\|\||!=|>=|\^\^|[{{}}()\[\];,.*+\-/!=>|^?$~])
    | (?P<end>\Z)
    )
    """,
    re.VERBOSE,
)
_SUSPECT = re.compile(r"[^\t\n\r\x20-\x7e]")  # characters that need a closer look (outside strings)
_AMBIGUOUS = frozenset("#'()[]")
_DATA_KINDS = frozenset({"iri", "string", "number", "lang"})
_OPERAND_KINDS = frozenset({"var", "iri", "pname", "string", "number", "lang", "bnode", "word"})


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A query that passed the read-only guard: `text` is exactly what the engine must run (never
    the text the caller gave, if the guard had to normalise it), `form` its query form.

    `variables` are the names of every variable in the query; `selects` the SELECT clauses, the
    query's own first when it is a SELECT query (for SEP-0007 binding rules).
    """

    text: str
    form: QueryForm
    variables: frozenset[str] = frozenset()
    selects: tuple[SelectClause, ...] = ()


@dataclass(slots=True)
class SelectClause:
    """A SELECT clause: whether it is `SELECT *`, the variables it projects, and those its
    sub-query uses (its expressions and its WHERE pattern)."""

    depth: int
    star: bool = False
    projected: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    in_clause: bool = True
    after_as: bool = False


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _char_name(char: str) -> str:
    code = ord(char)
    escaped = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    name = unicodedata.name(char, "")
    return f"{escaped} ({name.lower()})" if name else escaped


def _check_chars(text: str, start: int, end: int) -> None:
    """Refuse control, format and separator characters in text[start:end] (outside strings)."""
    for match in _SUSPECT.finditer(text, start, end):
        char = match.group()
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Cn"):
            raise QueryError(f"character {_char_name(char)} at {_where(text, match.start())} is refused outside "
                             "string literals; write it inside a string, or remove it")


class _Reader:
    """One pass over a query text; see the module docstring for what it refuses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stack: list[str] = []  # "{", "{v" (VALUES data), "[", "(", "(v" (VALUES row/vars), "(in"
        self.prev_kind = ""
        self.prev_text = ""
        self.tokens = 0
        self.at_start = True
        self.skip = 0
        self.form: QueryForm | None = None
        self.values = 0  # 1: after VALUES, 3: in its variable list, 2: the next { holds data
        self.plain = _SUSPECT.search(text) is None  # printable ASCII, tab, LF, CR only
        self.variables: set[str] = set()
        self.selects: list[SelectClause] = []
        self.open_selects: list[SelectClause] = []

    def fail(self, message: str, pos: int) -> QueryError:
        return QueryError(f"malformed query at {_where(self.text, pos)}: {message}")

    def read(self) -> CheckedQuery:
        text, plain = self.text, self.plain
        scanner: Any = _TOKEN.scanner(text)  # type: ignore[attr-defined]
        pos = 0
        while True:
            match = scanner.match()
            if match is None:
                skipped = _SKIP.match(text, pos)
                raise self._bad(skipped.end() if skipped else pos)
            kind = str(match.lastgroup)
            start = match.start(kind)
            if not plain:
                _check_chars(text, match.start(), start if kind == "string" else match.end())
            if kind == "end":
                break
            token = match.group(kind)
            if kind in ("iri", "lt"):
                kind, token = self._angle(kind, token, start)
                if start + len(token) != match.end():  # `<` read as an operator: read on after it
                    scanner = _TOKEN.scanner(text, start + len(token))  # type: ignore[attr-defined]
            self._token(kind, token, start)
            pos = start + len(token)
        if self.form is None:
            if self.prev_kind == "":
                raise QueryError("empty query: give a SELECT, ASK, CONSTRUCT or DESCRIBE query")
            raise QueryError("malformed query: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE "
                             "(after any PREFIX and BASE)")
        return CheckedQuery(text, self.form, frozenset(self.variables), tuple(self.selects))

    def _bad(self, pos: int) -> QueryError:
        char = self.text[pos]
        if char in "\"'":
            return self.fail("unterminated string, or a bad escape in it", pos)
        if char == "\\":
            return self.fail("a backslash outside a string or IRI (codepoint escapes are only read inside "
                             "strings and IRIs)", pos)
        if _SUSPECT.match(char):
            _check_chars(self.text, pos, pos + 1)
        return self.fail(f"unexpected character {char!r}", pos)

    def _angle(self, kind: str, token: str, pos: int) -> tuple[str, str]:
        """An IRI or a comparison operator, as pyoxigraph would read `<` here."""
        in_expression = bool(self.stack) and self.stack[-1] in ("(", "(in")
        after_operand = self.prev_kind in _OPERAND_KINDS or self.prev_text in (")", "]")
        operator = "<=" if token.startswith("<=") else "<"
        if in_expression and after_operand:
            if kind == "iri" and _AMBIGUOUS & set(token):
                raise self.fail("'<' may be an IRI or 'less than' here; write spaces around '<' when it "
                                "compares (?a < ?b)", pos)
            return "punct", operator
        return ("iri", token) if kind == "iri" else ("punct", operator)

    def _token(self, kind: str, token: str, pos: int) -> None:
        stack = self.stack
        if stack:  # the fast path for VALUES data and IN lists, which may be long
            top = stack[-1]
            if (kind in _DATA_KINDS and top in ("{v", "(v", "(in")) or (token == "," and top == "(in"):
                self.prev_kind, self.prev_text = kind, token
                return
            if token == "(" and top == "{v" and len(stack) < MAX_DEPTH:
                stack.append("(v")
                self.prev_kind, self.prev_text = kind, token
                return
            if token == ")" and top == "(v" and self.values != 3:
                stack.pop()
                self.prev_kind, self.prev_text = kind, token
                return
        upper = token.upper() if kind in ("word", "pname") else token
        depth = len(stack)
        if kind == "word":
            if "SERVICE" in upper:
                raise QueryError(SERVICE_REFUSED)
            if "FROM" in upper:
                raise QueryError(FROM_REFUSED)
        elif kind == "pname":
            prefix = upper.partition(":")[0]
            if "SERVICE" in prefix:
                raise QueryError(SERVICE_REFUSED)
            if depth == 0 and prefix.startswith("FROM"):
                raise QueryError(FROM_REFUSED)
        self._statement(kind, upper, pos)
        top = self.stack[-1] if self.stack else ""
        data = top in ("{v", "(v") or (top == "(in" and (kind in _OPERAND_KINDS or token == ","))
        if not data:
            self.tokens += 1
            if self.tokens > MAX_TOKENS:
                raise QueryError(f"the query has more than {MAX_TOKENS:,} tokens (outside VALUES data); put long "
                                 "lists of values in a VALUES block")
        self._selects(kind, upper, depth)
        if kind == "punct" and token in "{([":
            self._open(token, pos)
        elif kind == "punct" and token in "})]":
            self._close(token, pos)
        else:
            self._track_values(kind, upper)
        self.prev_kind, self.prev_text = kind, token

    def _statement(self, kind: str, upper: str, pos: int) -> None:
        """Find the first keyword of each `;`-separated statement, after PREFIX and BASE."""
        if kind == "punct" and upper == ";" and not self.stack:
            self.at_start = True
            return
        if not self.at_start:
            return
        if self.skip:
            self.skip -= 1
            return
        if kind in ("word", "pname") and upper.startswith("PREFIX"):
            self.skip = 2 if kind == "word" else 1
            return
        if kind == "word" and upper.startswith("BASE"):
            self.skip = 1 if upper == "BASE" else 0
            return
        self.at_start = False
        if kind not in ("word", "pname"):
            return
        if upper.startswith(_UPDATE_WORDS):
            raise QueryError(UPDATE_REFUSED)
        for form in _FORMS:
            if upper.startswith(form) and self.form is None:
                self.form = form

    def _open(self, token: str, pos: int) -> None:
        if token == "{":
            kind = "{v" if self.values == 2 else "{"
        elif token == "(":
            top = self.stack[-1] if self.stack else ""
            kind = "(v" if self.values == 1 or top == "{v" else "(in" if self.prev_text.upper() == "IN" else "("
        else:
            kind = "["
        self.values = 3 if kind == "(v" and self.values == 1 else 0
        self.stack.append(kind)
        if len(self.stack) > MAX_DEPTH:
            raise QueryError(f"the query nests brackets more than {MAX_DEPTH} deep at {_where(self.text, pos)}")

    def _close(self, token: str, pos: int) -> None:
        if not self.stack or self.stack[-1][0] != {"}": "{", ")": "(", "]": "["}[token]:
            raise self.fail(f"unbalanced '{token}'", pos)
        kind = self.stack.pop()
        self.values = 2 if kind == "(v" and self.values == 3 else 0
        while self.open_selects and self.open_selects[-1].depth > len(self.stack):
            self.open_selects.pop()

    def _track_values(self, kind: str, upper: str) -> None:
        if kind == "word" and upper == "VALUES":
            self.values = 1
        elif kind == "var" and self.values == 1:
            self.values = 2
        elif not (kind == "var" and self.values == 3):
            self.values = 0

    def _selects(self, kind: str, upper: str, depth: int) -> None:
        """Record what each SELECT clause projects and what its sub-query uses."""
        if kind == "word" and upper.startswith("SELECT"):
            clause = SelectClause(depth)
            self.selects.append(clause)
            self.open_selects.append(clause)
            return
        for clause in self.open_selects:
            if clause.in_clause and clause.depth == depth and (upper == "{" or upper.startswith(("WHERE", "FROM"))):
                clause.in_clause = False
        if kind != "var" and not (kind == "punct" and upper == "*"):
            if self.open_selects and kind == "word" and upper == "AS":
                self.open_selects[-1].after_as = True
            return
        for clause in self.open_selects:
            if kind == "var":
                clause.used.add(upper[1:])
        if kind == "var":
            self.variables.add(upper[1:])
        if not self.open_selects:
            return
        clause = self.open_selects[-1]
        if not clause.in_clause:
            return
        if kind == "punct" and depth == clause.depth and self.prev_text.upper().startswith(
                ("SELECT", "DISTINCT", "REDUCED")):
            clause.star = True
        elif kind == "var" and (depth == clause.depth or clause.after_as):
            clause.projected.add(upper[1:])
            clause.after_as = False


def check_query(sparql: str) -> CheckedQuery:
    """The read-only guard every query passes before it runs, in the CLI and the endpoint alike.

    Thread-safe and linear in the length of the query. Raises QueryError (UPDATE_REFUSED,
    SERVICE_REFUSED, FROM_REFUSED or a one-line message with line and column); syntax errors the
    guard does not see are reported by pyoxigraph when it runs `text`.

    >>> check_query("ASK { ?s ?p ?o }").form
    'ASK'
    >>> check_query("SELECT * { ?s ?p 'SERVICE <http://x/> {}' } # SERVICE").form
    'SELECT'
    >>> check_query("SELECT * { ?s ?p ?o # \\r SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } \\n }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SERVICE is refused: kg query answers from the local graph only
    """
    if not isinstance(sparql, str):
        raise QueryError(f"a query is text, not {type(sparql).__name__}")
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(sparql):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    return _Reader(sparql).read()
