"""Query and passage prompts: the one place that decides which text a model's query or passage encoding prepends.

Models name their prompts differently in ``config_sentence_transformers.json``: E5 ``{"query": "query: ",
"passage": "passage: "}``, sentence-transformers ``{"query": ..., "document": ...}``, Nomic ``search_query`` /
``search_document``; BGE has a query instruction and no passage prompt. :class:`Prompts` reads any of these, lets
``--query-prompt`` / ``--passage-prompt`` override them, and is what every encoding path uses (mining, training,
evaluation, bench, export, client-side ingest and queries); the export records it and registers it with ML Commons
as ``query_prefix`` / ``passage_prefix``, so that the cluster prepends the same text (see docs/deploy.md).

Example::

    from legalsearch.prompts import Prompts

    prompts = Prompts.from_model({"query": "query: ", "passage": "passage: "})
    prompts.query, prompts.document          # "query: ", "passage: "
    prompts.with_overrides(query="Represent this question: ").query
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

# Keys models use for each role, most common first; the first present wins.
QUERY_KEYS = ("query", "search_query", "queries")
DOCUMENT_KEYS = ("document", "passage", "search_document", "corpus", "documents", "passages")


@dataclass(frozen=True)
class Prompts:
    """The text prepended to queries and to passages ("" for none).

    Args:
        query: prepended to every query before tokenization.
        document: prepended to every passage (document chunk) before tokenization.
    """

    query: str = ""
    document: str = ""

    @classmethod
    def from_model(cls, prompts: Mapping[str, str] | None) -> "Prompts":
        """From a model's ``prompts`` mapping (``config_sentence_transformers.json``); unknown keys are ignored.

        The first non-empty prompt among a role's keys wins: sentence-transformers 6 saves ``"document": ""`` next
        to a model's own ``"passage"`` prompt.
        """
        prompts = dict(prompts or {})

        def first(keys: tuple[str, ...]) -> str:
            return next((str(prompts[k]) for k in keys if prompts.get(k)), "")

        return cls(query=first(QUERY_KEYS), document=first(DOCUMENT_KEYS))

    def with_overrides(self, query: str | None = None, document: str | None = None) -> "Prompts":
        """These prompts with ``query`` / ``document`` replaced where given (``""`` removes one)."""
        return Prompts(query=self.query if query is None else query,
                       document=self.document if document is None else document)

    def __bool__(self) -> bool:
        return bool(self.query or self.document)

    def to_dict(self) -> dict[str, str]:
        """``{"query": ..., "document": ...}``: the keys sentence-transformers' ``prompt_name`` uses."""
        return {"query": self.query, "document": self.document}

    def describe(self) -> str:
        if not self:
            return "no prompts"
        return f"query prompt {self.query!r}, passage prompt {self.document!r}"
