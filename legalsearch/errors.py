"""Typed exceptions raised by the core.

Core modules raise these; only ``legalsearch.cli`` turns them into ``click.ClickException`` messages. Every message
says what is wrong, where (file, line, field, server reason) and what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class LegalsearchError(Exception):
    """Base class of every error legalsearch raises on purpose."""


class DataError(LegalsearchError):
    """Bad input data: a malformed line, an unknown id, a duplicate, an empty split.

    Args:
        message: what is wrong and what to do.
        path: the file concerned, if any.
        line: 1-based line number in ``path``, if any.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class ModelError(LegalsearchError):
    """A model directory or name that cannot be used (missing files, wrong architecture, not installed)."""


class DependencyError(LegalsearchError):
    """An optional dependency is missing; the message names the pip extra that provides it."""

    def __init__(self, package: str, extra: str):
        self.package = package
        self.extra = extra
        super().__init__(f"{package} is not installed; install it with: pip install 'legalsearch[{extra}]'")


class TrainingError(LegalsearchError):
    """Fine-tuning could not start or continue (bad triplets file, checkpoint that does not match)."""


class RecipeError(LegalsearchError):
    """A recipe file or recipe value is wrong: names the file, the field and the values it accepts."""


class ExportError(LegalsearchError):
    """ONNX export or packaging failed."""


class QualityGateError(ExportError):
    """The int8 graph lost more quality than allowed; fp32 is the deployable artefact."""


class PackageError(ExportError):
    """An ML Commons model package (zip + register JSON) breaks a rule ML Commons depends on."""


class OpenSearchError(LegalsearchError):
    """Base class for failures talking to OpenSearch; ``root_cause`` is the server's own reason when it gave one."""

    def __init__(self, message: str, root_cause: str | None = None, status: int | None = None,
                 hint: str | None = None):
        self.root_cause = root_cause
        self.status = status
        self.hint = hint  # what to do next, shown on a line of its own
        text = message if not root_cause else f"{message}: {' '.join(root_cause.split())[:300]}"
        super().__init__(text if not hint else f"{text}\n  {hint}")


class ConnectionFailedError(OpenSearchError):
    """The cluster could not be reached (wrong URL, TLS failure, node down)."""


class AuthenticationError(OpenSearchError):
    """The cluster refused the credentials (401) or the user lacks a permission (403)."""


class NotFoundError(OpenSearchError):
    """An index, alias or other resource the command needs does not exist on the cluster (404)."""


class MissingPluginError(OpenSearchError):
    """A plugin that a feature needs is not installed on the cluster."""


class VersionError(OpenSearchError):
    """The cluster is older than a feature needs."""


class ModelDeploymentError(OpenSearchError):
    """ML Commons failed to register or deploy the model (the task's error is attached)."""


class ProbeError(ModelDeploymentError):
    """The deployed model embeds probe texts differently from the local encoder (cosine below 0.99): a prompt,
    pooling, tokenizer or truncation mismatch; the message names the likely one."""


class IngestError(OpenSearchError):
    """Bulk ingest could not finish; per-document failures go to the failures file instead."""


class BenchError(LegalsearchError):
    """A benchmark cannot run on the given inputs (no test split, qrels matching nothing, dimension mismatch)."""


class PartialResultsError(OpenSearchError):
    """A search answered from only some shards (``_shards.failed`` > 0) or cut short by a timeout (``timed_out``),
    where a figure computed from it would be wrong (an evaluation, a benchmark); ``query_id`` names the query and
    ``shards`` is the response's :class:`~legalsearch.plugin.search.ShardReport`."""

    def __init__(self, message: str, query_id: str | None = None, shards=None, hint: str | None = None):
        self.query_id = query_id
        self.shards = shards
        self.reason = message  # without the hint, for a caller that says it in its own context
        super().__init__(message, hint=hint)


class ClusterHealthError(OpenSearchError):
    """The cluster is red (a primary shard unassigned): a deploy refuses to write into it."""


class StateFileError(DataError):
    """A deploy's local state file (``<state_dir>/<alias>.json``) cannot be read: corrupt or truncated. The message
    names the file and says to delete it to start a new deploy."""


class LockError(LegalsearchError):
    """The alias's deploy lock in the cluster (:mod:`legalsearch.plugin.lock`) stops this command."""


class LockHeldError(LockError):
    """Another deploy, prune or alias swap holds the alias's lock; ``holder`` names it (host, pid, since, expiry).

    Args:
        alias: the locked alias.
        holder: who holds it, described in words.
        waited: seconds this process waited for it.
    """

    def __init__(self, alias: str, holder: str, waited: float):
        self.alias = alias
        self.holder = holder
        self.waited = waited
        super().__init__(f"alias '{alias}' is locked by {holder}; waited {waited:g} s (--lock-wait): rerun when it "
                         "is done")


class LockLostError(LockError):
    """This process's lock expired and another one took it over: the command stops before it changes the alias."""
