"""LaTeX reference commands in abstracts (`\\cite{...}`, `\\citep`, `\\citet`, `\\ref`, ...): never text.

arXiv abstracts are LaTeX source, and some keep their citations and references: "the SQuAD
\\cite{rajpurkar2016} dataset", "Penn Treebank~\\citet{marcus}". Their arguments are keys, not words,
and a name found across one ("SQuAD \\cite{rajpurkar2016} dataset") is not a name. `make_doc`
(`kg.extract.spans`) blanks each such command out of the folded text every component reads (spaces,
one for one, so offsets stay those of the original text) and records where they were; and every
entity span, whichever component proposes it, is cut where one was (`kg.extract.spans`), so no
command can be part of a mention.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(
    r"~?\\(?:[a-zA-Z]*cite[a-zA-Z]*|(?:eq|auto|page|name|[cC])?ref|label|footnote)\*?"
    r"(?:\s*\[[^\[\]{}\n]{0,200}\]){0,2}\s*\{[^{}\n]{0,500}\}"
)


def reference_commands(text: str) -> list[tuple[int, int]]:
    """Where `text` has a LaTeX citation or reference command (with a `~` tying it to the word before).

    >>> text = "the SQuAD~\\\\cite{r16} and WMT \\\\citep[p.~3]{b} sets (Table \\\\ref{t:1})"
    >>> [text[a:b] for a, b in reference_commands(text)]
    ['~\\\\cite{r16}', '\\\\citep[p.~3]{b}', '\\\\ref{t:1}']
    """
    if "\\" not in text:
        return []
    return [m.span() for m in _REFERENCE.finditer(text)]


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of `spans` replaced by as many spaces.

    >>> blank("a \\\\cite{x} b", [(2, 10)])
    'a          b'
    """
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts.append(text[done:start])
        parts.append(" " * (end - start))
        done = end
    parts.append(text[done:])
    return "".join(parts)
