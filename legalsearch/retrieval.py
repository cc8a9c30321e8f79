"""Retrievers that produce runs (query id -> {doc id: score}): BM25, dense with MaxP, and hybrid fusion.

Hybrid fusion reproduces OpenSearch neural-search's arithmetic so that offline numbers predict what the cluster
returns: each sub-query's scores are normalized over that sub-query's own top-k (``min_max``: (s - min)/(max - min),
a normalized 0 raised to 0.001 and a single result scored 1.0; ``l2``: s / sqrt(sum of squares), dense scores taken
on the k-NN plugin's (1 + cos) / 2 scale), a document absent from a sub-query's results gets 0 for it, and the
normalized scores are combined by a weighted mean (arithmetic by default, as the setting's ``combination`` says).
``rrf`` sums 1 / (rank_constant + rank) like the ``score-ranker-processor``. The setting is a
:class:`legalsearch.hybrid.HybridConfig`, the same object deploy turns into the search pipeline.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from legalsearch.data import Document
from legalsearch.encoders import Encoder
from legalsearch.hybrid import HybridConfig
from legalsearch.passages import PassageSplitter

log = logging.getLogger(__name__)

Run = dict[str, dict[str, float]]


class BM25Retriever:
    """Okapi BM25 over title + text with English stop words and Snowball stemming (bm25s + PyStemmer).

    Stemming is used when PyStemmer is installed; ``stemming`` in :meth:`describe` says which was used.
    """

    def __init__(self, documents: list[Document], k1: float = 1.2, b: float = 0.75):
        import bm25s

        # bm25s pins its logger to DEBUG on import, so its index-building chatter would reach every handler;
        # let it follow the application's root level instead.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        self.doc_ids = [doc.id for doc in documents]
        self.stemmer = _english_stemmer()
        self.k1, self.b = k1, b
        tokens = bm25s.tokenize(
            [doc.full_text for doc in documents], stopwords="en", stemmer=self.stemmer, show_progress=False
        )
        self.index = bm25s.BM25(k1=k1, b=b)
        self.index.index(tokens, show_progress=False)

    def describe(self) -> dict:
        return {"retriever": "bm25", "library": "bm25s", "k1": self.k1, "b": self.b,
                "stemming": self.stemmer is not None}

    def search(self, queries: dict[str, str], k: int = 100) -> Run:
        import bm25s

        qids = list(queries)
        tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=self.stemmer,
                                show_progress=False, return_ids=False)
        k = min(k, len(self.doc_ids))
        run: Run = {}
        for qid, query_tokens in zip(qids, tokens):
            if not query_tokens:
                run[qid] = {}
                continue
            scores = self.index.get_scores(query_tokens)
            top = _top_k(scores, k)
            run[qid] = {self.doc_ids[i]: float(scores[i]) for i in top if scores[i] > 0}
        return run


def _english_stemmer():
    try:
        import Stemmer
    except ImportError:
        log.warning("PyStemmer not installed: BM25 runs without stemming (pip install PyStemmer)")
        return None
    return Stemmer.Stemmer("english").stemWords


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


@dataclass
class DenseIndex:
    """Passage embeddings of a corpus, grouped by document so MaxP is one ``np.maximum.reduceat``."""

    doc_ids: list[str]
    starts: np.ndarray  # index of each document's first passage
    embeddings: np.ndarray  # [n_passages, dim], L2-normalized
    passage_texts: list[str] = field(repr=False)

    @property
    def passages_per_doc(self) -> float:
        return len(self.passage_texts) / max(1, len(self.doc_ids))


class DenseRetriever:
    """Cosine retrieval with a dense :class:`~legalsearch.encoders.Encoder`; a document scores as its best passage.

    Args:
        encoder: any encoder (PyTorch or ONNX).
        stride: token overlap between passages of long documents.
    """

    def __init__(self, encoder: Encoder, stride: int = 32, batch_size: int = 32, show_progress: bool = False):
        self.encoder = encoder
        self.splitter = PassageSplitter(encoder.tokenizer_path, encoder.max_seq_length, stride=stride)
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.index: DenseIndex | None = None

    def describe(self) -> dict:
        info = {"retriever": "dense", "model": self.encoder.name, "max_seq_length": self.encoder.max_seq_length,
                "aggregation": "maxp"}
        if self.index is not None:
            info["passages_per_doc"] = round(self.index.passages_per_doc, 3)
        return info

    def build(self, documents: list[Document]) -> DenseIndex:
        doc_ids, starts, texts = [], [], []
        for doc in documents:
            pieces = self.splitter.split_text(doc.full_text)
            doc_ids.append(doc.id)
            starts.append(len(texts))
            texts.extend(pieces)
        cache_file = _embedding_cache_file(self.encoder, texts)
        if cache_file is not None and cache_file.is_file():
            embeddings = np.load(cache_file)
            log.info("reusing corpus embeddings from %s", cache_file)
        else:
            embeddings = self.encoder.encode_documents(texts, batch_size=self.batch_size,
                                                       show_progress=self.show_progress)
            if cache_file is not None:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache_file.with_suffix(".tmp.npy")
                np.save(tmp, embeddings)
                tmp.replace(cache_file)
        self.index = DenseIndex(doc_ids, np.asarray(starts, dtype=np.int64), embeddings, texts)
        return self.index

    def doc_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """[n_queries, n_docs] MaxP cosine scores."""
        if self.index is None:
            raise RuntimeError("call build() before searching")
        passage_scores = query_vectors @ self.index.embeddings.T
        return np.maximum.reduceat(passage_scores, self.index.starts, axis=1)

    def search(self, queries: dict[str, str], k: int = 100) -> Run:
        qids = list(queries)
        vectors = self.encoder.encode_queries([queries[q] for q in qids], batch_size=self.batch_size)
        scores = self.doc_scores(vectors)
        k = min(k, scores.shape[1])
        run: Run = {}
        for row, qid in enumerate(qids):
            top = _top_k(scores[row], k)
            run[qid] = {self.index.doc_ids[i]: float(scores[row, i]) for i in top}
        return run


def _embedding_cache_file(encoder: Encoder, texts: list[str]) -> Path | None:
    """Where to keep a corpus's passage embeddings for a fixed model, so mining, eval and bench encode it once.

    Only encoders with a ``fingerprint`` (a model on disk, identified by its weights' size and mtime) are cached;
    a model being trained has none. ``LEGALSEARCH_EMBEDDING_CACHE=0`` turns the cache off.
    """
    fingerprint = getattr(encoder, "fingerprint", None)
    model_dir = getattr(encoder, "model_dir", None)
    if fingerprint is None and model_dir is not None and (Path(model_dir) / "model.onnx").is_file():
        from legalsearch.encoders import model_fingerprint

        fingerprint = "onnx:" + model_fingerprint(Path(model_dir))
    if not fingerprint or os.environ.get("LEGALSEARCH_EMBEDDING_CACHE", "1") == "0":
        return None
    digest = hashlib.sha256(f"{fingerprint}|{encoder.max_seq_length}".encode())
    for text in texts:
        digest.update(hashlib.sha1(text.encode()).digest())
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "legalsearch" / "embeddings"
    return root / f"{digest.hexdigest()[:32]}.npy"


# --- hybrid fusion (OpenSearch arithmetic) ---------------------------------------------------------------------------

MIN_MAX_FLOOR = 0.001  # neural-search MinMaxScoreNormalizationTechnique.MIN_SCORE
SINGLE_RESULT_SCORE = 1.0


def _normalize(scores: dict[str, float], technique: str, rank_constant: int) -> dict[str, float]:
    if not scores:
        return {}
    if technique == "min_max":
        low, high = min(scores.values()), max(scores.values())
        if math.isclose(high, low):
            return {d: SINGLE_RESULT_SCORE for d in scores}
        return {d: ((s - low) / (high - low)) or MIN_MAX_FLOOR for d, s in scores.items()}
    if technique == "l2":
        norm = math.sqrt(sum(s * s for s in scores.values())) or 1.0
        return {d: s / norm for d, s in scores.items()}
    ranked = sorted(scores, key=lambda d: -scores[d])
    return {d: 1.0 / (rank_constant + rank) for rank, d in enumerate(ranked, start=1)}


def _combine(scores: tuple[float, float], weights: tuple[float, float], combination: str) -> float:
    """One document's normalized (bm25, dense) scores -> its hybrid score, like neural-search's combination
    techniques: the arithmetic mean counts a sub-query that missed the document as 0 with its weight still in the
    denominator; the geometric and harmonic means leave such a sub-query out (they are defined on positive scores)."""
    if combination == "arithmetic_mean":
        return sum(w * s for w, s in zip(weights, scores)) / sum(weights)
    present = [(w, s) for w, s in zip(weights, scores) if s > 0]
    total = sum(w for w, _ in present)
    if total == 0:
        return 0.0
    if combination == "geometric_mean":
        return math.exp(sum(w * math.log(s) for w, s in present) / total)
    return total / sum(w / s for w, s in present)  # harmonic_mean


def fuse(sparse: Run, dense: Run, config: HybridConfig, k: int = 100) -> Run:
    """Fuse two runs query by query; each run should hold that retriever's top-k (what OpenSearch would see)."""
    fused: Run = {}
    w_sparse, w_dense = config.weights
    for qid in set(sparse) | set(dense):
        a = _normalize(sparse.get(qid, {}), config.technique, config.rank_constant)
        # The k-NN plugin reports cosinesimil scores as (1 + cos) / 2; l2 normalization is not affine-invariant,
        # so the dense scores are put on that scale first (min_max and rrf give the same result either way).
        lucene_scale = {d: (1.0 + s) / 2.0 for d, s in dense.get(qid, {}).items()}
        b = _normalize(lucene_scale, config.technique, config.rank_constant)
        if config.technique == "rrf":
            # score-ranker-processor sums the (weighted) reciprocal ranks; equal weights rank like plain RRF.
            combined = {d: w_sparse * a.get(d, 0.0) + w_dense * b.get(d, 0.0) for d in set(a) | set(b)}
        else:
            combined = {d: _combine((a.get(d, 0.0), b.get(d, 0.0)), config.weights, config.combination)
                        for d in set(a) | set(b)}
        top = sorted(combined.items(), key=lambda item: -item[1])[:k]
        fused[qid] = dict(top)
    return fused
