"""The ``legalsearch`` command line.

Subcommands live next to the stage they drive and are imported lazily, so ``legalsearch --help`` or
``legalsearch search`` never pays for importing torch. Core code raises :mod:`legalsearch.errors`; this module is
the only place that turns those into click messages (exit 1). Bad option values are rejected by click (exit 2).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from legalsearch import __version__
from legalsearch.errors import LegalsearchError

# name -> ("module:attribute" of a click command or group, one-line help). One entry per pipeline stage.
# The help lives here so that `legalsearch --help` imports none of the stages.
COMMANDS: dict[str, tuple[str, str]] = {
    "data": ("legalsearch.commands.data_cmd:data", "Validate datasets; build one from pairs or click logs."),
    "mine": ("legalsearch.commands.mine_cmd:mine", "Mine hard negatives (BM25 and/or the base model)."),
    "train": ("legalsearch.commands.train_cmd:train", "Fine-tune with MNRL and hard negatives; keep the best epoch."),
    "eval": ("legalsearch.commands.eval_cmd:eval_command", "NDCG@10, Recall@20, MRR@10 for BM25, dense, hybrid."),
    "export": ("legalsearch.exporter.cli:export", "Export to ONNX fp32 + int8 with a quality gate."),
    "deploy": ("legalsearch.plugin.cli:deploy", "Register the model, create pipelines and index, ingest."),
    "search": ("legalsearch.plugin.cli:search", "Search the deployed index (bm25, neural, hybrid)."),
    "doctor": ("legalsearch.plugin.cli:doctor", "Check a deployment: versions, model, and the embedding probe."),
    "bench": ("legalsearch.commands.bench_cmd:bench", "Before/after report: quality with intervals, speed."),
    "demo": ("legalsearch.commands.demo_cmd:demo", "Whole pipeline on the bundled sample, offline."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs (or its help is shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LegalsearchError as exc:
            # The message says what happened and what to do; the traceback is for -vv only.
            logging.getLogger("legalsearch").debug("%s failed", ctx.invoked_subcommand, exc_info=True)
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
    configure_output(verbose)


# Libraries whose own logging would drown ours: opensearch-py logs every failed request at WARNING (with a urllib3
# traceback) although the command turns that failure into one clear message; transformers, sentence-transformers,
# datasets and the hub client report loading, saving and model-card steps the user did not ask about.
CHATTY_LIBRARIES = ("opensearch", "urllib3", "transformers", "sentence_transformers", "datasets", "huggingface_hub",
                    "accelerate", "py.warnings")


class _NoTraceback(logging.Filter):
    """Drop the traceback that opensearch-py attaches to its request-failure lines (shown again at -vv)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def configure_output(verbose: int) -> None:
    """Quiet by default: our own warnings and one progress bar per long step; -v adds third-party warnings and
    our info lines, -vv debug lines and tracebacks.

    The environment variables must be set before transformers and the hub client are imported (they read them
    once); every stage imports them lazily, after this runs. A variable the user set stays as it is.
    """
    level = max(logging.WARNING - 10 * verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # Python warnings (torch, transformers) become log records under py.warnings
    third_party = logging.ERROR if verbose == 0 else (logging.WARNING if verbose == 1 else logging.DEBUG)
    for name in CHATTY_LIBRARIES:
        logger = logging.getLogger(name)
        logger.setLevel(third_party)
        if verbose < 2 and not any(isinstance(f, _NoTraceback) for f in logger.filters):
            logger.addFilter(_NoTraceback())
    # botocore logs each request's SigV4 signature and canonical request at DEBUG: never show it, whatever -v says
    for name in ("botocore", "boto3"):
        logging.getLogger(name).setLevel(max(third_party, logging.INFO))
    if verbose == 0:
        # transformers' "Loading weights" / "Writing model shards" bars and its own log handler
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def main() -> None:
    cli(prog_name="legalsearch")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
