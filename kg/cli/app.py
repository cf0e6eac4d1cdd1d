"""The `kg` group and what every command shares: error handling (`_friendly`), the report of bad
records (`ProblemLog`), the progress count and the common options.

Every user error is a KgError, shown as one line on stderr with a non-zero exit; `--debug` shows the
traceback of unexpected errors instead of the one-line summary. The commands live in the modules
beside this one (`kg.cli.records`, `build`, `rdf`, `view`, `train`), each importing `main` from here
to register on it; `kg/cli/__init__.py` imports them all.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from kg import __version__
from kg.errors import KgError, Problem

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turns KgErrors into one line and exit code 1, Ctrl-C into exit code 130 and SIGTERM into 143
    (both after the same cleanup: `kg.lifetime.Terminated` is a KeyboardInterrupt)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kg.lifetime import SIGTERM_EXIT, Terminated, sigterm_as_interrupt

        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except KgError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            # The reader of our output went away (`kg query ... | head`): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except Terminated:  # SIGTERM: the same cleanup as Ctrl-C
            click.echo("kg: terminated; outputs were left as they were", err=True)
            sys.exit(SIGTERM_EXIT)
        except KeyboardInterrupt:
            click.echo("kg: interrupted; outputs were left as they were", err=True)
            sys.exit(130)
        except click.ClickException:
            raise
        except Exception as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (rerun with kg --debug for details)") from None

    return wrapper  # type: ignore[return-value]


class ProblemLog:
    """Prints each skipped record (and each warning about a kept one) as one line on stderr and counts them."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.count = 0
        self.warnings = 0
        self.quiet = quiet

    def __call__(self, problem: Problem) -> None:
        if not problem.skipped:
            self.warnings += 1
            if not self.quiet:
                click.echo(f"kg: warning: {problem}", err=True)
            return
        self.count += 1
        if not self.quiet:
            click.echo(f"kg: skipped {problem}", err=True)

    def summary(self) -> None:
        if self.count:
            click.echo(f"kg: {self.count} bad record(s) skipped (use --strict to stop at the first)", err=True)


def shown(output: Path) -> str:
    """How an output is named in messages (`-o -` is standard output)."""
    return "standard output" if str(output) == "-" else str(output)


def progress(items: Iterable[Any], what: str) -> Iterator[Any]:
    """Yields items, showing a running count on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    n = 0
    for item in items:
        n += 1
        if n % 25 == 0:
            click.echo(f"\r{what}: {n}", err=True, nl=False)
        yield item
    click.echo(f"\r{what}: {n}", err=True)


input_paths = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
format_option = click.option("--format", "fmt", default=None, metavar="FORMAT",
                             help="Input format (default: detect per file): listing, jsonl, json, csv, tsv, "
                                  "atom, bibtex, text.")
strict_option = click.option("--strict", is_flag=True, help="Stop at the first bad record instead of skipping it.")
fast_option = click.option("--fast", is_flag=True,
                           help="Rules and knowledge base only: skip the trained tagger (much faster).")


def pipeline_name(fast: bool) -> str:
    """The extraction pipeline that `--fast` chooses ("fast", else "default")."""
    return "fast" if fast else "default"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """kg builds knowledge graphs of methods, datasets, metrics, tasks and claimed results
    from machine-learning paper abstracts.

    \b
    Example:
      kg extract examples/abstracts.jsonl -o records.jsonl
    """
