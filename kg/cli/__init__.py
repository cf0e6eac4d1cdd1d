"""The `kg` command: click commands, each a few lines over kg's Python API (see `kg`'s docstring).

`main` is the group (`kg.cli.app`); importing this package registers every command on it, one
module per group of commands: `records` (read, extract, eval), `build`, `rdf` (query, validate,
load, serve), `view`, `train` (train, cv). The reference of every command, generated from their
help, is docs/cli.md.
"""

from kg.cli import build, rdf, records, train, view
from kg.cli.app import main

__all__ = ["build", "main", "rdf", "records", "train", "view"]
