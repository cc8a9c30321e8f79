"""Render the CLI reference (docs/cli.md) from the commands' own --help, so the docs cannot drift.

``python -m legalsearch.clidoc > docs/cli.md`` regenerates it; ``tests/unit/test_docs.py`` checks it is current.
"""

from __future__ import annotations

import click


def _walk(command: click.Command, path: list[str], ctx_parent=None):
    ctx = click.Context(command, info_name=" ".join(path), parent=ctx_parent, terminal_width=100,
                        max_content_width=100)
    yield path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), path + [name], None)


def render() -> str:
    from legalsearch.cli import cli

    parts = ["# CLI reference", "", "Generated from `--help` by `python -m legalsearch.clidoc > docs/cli.md`; a test "
             "keeps it current.", ""]
    for path, text in _walk(cli, ["legalsearch"]):
        parts += [f"## `{' '.join(path)}`", "", "```", text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
