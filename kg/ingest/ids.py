"""Stable ids for papers that come without one."""

from __future__ import annotations

import hashlib
import unicodedata


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def paper_id(title: str, abstract: str) -> str:
    """A content hash: "p" + 16 hex digits of SHA-256 over the normalised title and abstract.

    Normalising (NFKC, whitespace runs collapsed, case folded) makes the same paper saved twice with
    different spacing or capitalisation get the same id, so it is read once.

    >>> paper_id("Attention Is All You Need", "We propose a new network.")
    'p126d3e16c27c7fc7'
    >>> paper_id("attention  is all\\nyou need ", "We propose a new network.")
    'p126d3e16c27c7fc7'
    """
    data = f"{_normal(title)}\n{_normal(abstract)}".encode("utf-8", "surrogatepass")
    return "p" + hashlib.sha256(data).hexdigest()[:16]
