"""The CLI reference (docs/cli.md) generated from the commands' own help, so it cannot drift.

docs/cli.md holds a cog block that calls `reference_markdown`; `make docs` (`cog -r docs/cli.md`)
regenerates it and tests/test_cli.py fails when it is out of date (`cog --check`).
"""

from __future__ import annotations

WIDTH = 100
"""The width the help is wrapped to, fixed so that the reference does not depend on the terminal."""


def command_help(name: str | None = None) -> str:
    """The text of `kg NAME --help` (of `kg --help` when `name` is None), wrapped at `WIDTH`.

    >>> command_help("validate").splitlines()[0]
    'Usage: kg validate [OPTIONS] GRAPH'
    """
    from kg.cli import main

    root = main.context_class(main, info_name="kg", terminal_width=WIDTH, max_content_width=WIDTH,
                              **main.context_settings)
    if name is None:
        return main.get_help(root)
    command = main.commands[name]
    return command.get_help(command.context_class(command, info_name=name, parent=root))


def reference_markdown() -> str:
    """One Markdown section per command, in alphabetical order, each holding its `--help` text.

    >>> text = reference_markdown()
    >>> text.startswith("### kg") and "### kg serve" in text and "Usage: kg serve [OPTIONS]" in text
    True
    """
    from kg.cli import main

    parts = [f"### kg\n\n```text\n{command_help()}\n```\n"]
    parts += [f"### kg {name}\n\n```text\n{command_help(name)}\n```\n" for name in sorted(main.commands)]
    return "\n".join(parts)


__all__ = ["WIDTH", "command_help", "reference_markdown"]
