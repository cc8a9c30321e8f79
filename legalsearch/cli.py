"""The ``legalsearch`` command line.

Subcommands live next to the stage they drive and are imported lazily, so ``legalsearch --help`` or
``legalsearch search`` never pays for importing torch. Core code raises :mod:`legalsearch.errors`; this module is
the only place that turns those into click messages (exit 1). Bad option values are rejected by click (exit 2).
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from legalsearch import __version__
from legalsearch.errors import LegalsearchError

# name -> "module:attribute" of a click command or group. One entry per pipeline stage.
COMMANDS: dict[str, str] = {
    "data": "legalsearch.commands.data_cmd:data",
    "mine": "legalsearch.commands.mine_cmd:mine",
    "train": "legalsearch.commands.train_cmd:train",
    "eval": "legalsearch.commands.eval_cmd:eval_command",
    "export": "legalsearch.exporter.cli:export",
    "deploy": "legalsearch.plugin.cli:deploy",
    "search": "legalsearch.plugin.cli:search",
    "bench": "legalsearch.commands.bench_cmd:bench",
    "demo": "legalsearch.commands.demo_cmd:demo",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs (or its help is shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LegalsearchError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="legalsearch")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Fine-tune a legal retrieval model on your own documents and deploy it to OpenSearch.

    \b
    Pipeline:  data validate -> mine -> train -> eval -> export -> deploy -> search / bench
    Quick start (bundled sample, bundled offline model, no cluster):  legalsearch demo
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    cli(prog_name="legalsearch")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
