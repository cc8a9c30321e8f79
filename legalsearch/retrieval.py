"""Retrievers that produce runs (query id -> {doc id: score}): BM25, dense with MaxP, and hybrid fusion.

BM25 is the deployed lexical query reproduced offline (the index's ``legal`` analyzer, Lucene's BM25, the citations
boost), so mining, evaluation, hybrid tuning and bench score what the cluster serves.

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

from legalsearch.citations import CITATION_BOOST
from legalsearch.data import Document
from legalsearch.encoders import Encoder
from legalsearch.hybrid import HybridConfig
from legalsearch.long_queries import LongQueryPolicy, mean_of_windows, select_key_terms, spread, term_frequencies
from legalsearch.passages import PassageChunker, max_per_document

log = logging.getLogger(__name__)

Run = dict[str, dict[str, float]]


class BM25Retriever:
    """The deployed lexical query, run offline: Lucene BM25 on ``content`` with the index's ``legal`` analyzer, plus
    the ``citations`` boost.

    What the cluster does, reproduced step by step (``tests/integration/test_bm25_parity.py`` compares scores with
    the node's):

    * **Analysis**: ``title`` and ``text`` are copied into ``content`` as two values, each analyzed by
      :func:`legalsearch.analysis.legal_analyzer` (read from ``mappings/index.json``), so citations are single
      terms with their parts stacked at the same position.
    * **Query**: the ``match`` query's terms are grouped by position; a position holding one term is a term query,
      one holding several (a citation and its parts) is Lucene's ``SynonymQuery``: the document's frequencies of
      the terms are summed and the idf is that of the most frequent term. The groups' scores are summed.
    * **Scoring**: ``BM25Similarity`` (Lucene 8+, no ``(k1 + 1)`` factor): ``idf = ln(1 + (N - n + 0.5) /
      (n + 0.5))`` with ``N`` the documents that have the field, ``score = idf * f / (f + k1 * (1 - b + b * dl /
      avgdl))``. ``dl`` is the token count without the stacked parts (``discount_overlaps``), stored in Lucene's
      one-byte norm (exact up to 40 tokens, then 4 significant bits), and ``avgdl`` is the field's total term
      frequency (parts included) over ``N``. Arithmetic is in float32, like Lucene's.
    * **Citations**: a document whose :func:`~legalsearch.citations.extract_citations` keywords include one the
      query cites gets ``CITATION_BOOST`` added, like the ``terms`` clause of
      :func:`legalsearch.plugin.queries.bm25_clause`.

    Args:
        documents: the corpus.
        k1, b: BM25 parameters; default: what ``mappings/index.json`` gives the ``content`` field (Lucene's 1.2,
            0.75 unless a similarity is configured).
        citation_boost: the ``terms`` clause's boost (0 turns it off).
    """

    def __init__(self, documents: list[Document], k1: float | None = None, b: float | None = None,
                 citation_boost: float = CITATION_BOOST, long_queries: LongQueryPolicy | None = None):
        from legalsearch.analysis import index_definition, legal_analyzer
        from legalsearch.citations import extract_citations

        self.long_queries = long_queries or LongQueryPolicy()

        params = lucene_bm25_parameters(index_definition())
        self.k1 = float(params["k1"] if k1 is None else k1)
        self.b = float(params["b"] if b is None else b)
        self.discount_overlaps = bool(params["discount_overlaps"])
        self.citation_boost = float(citation_boost)
        self.analyzer = legal_analyzer()
        self._extract_citations = extract_citations
        self.doc_ids = [doc.id for doc in documents]
        postings: dict[str, tuple[list[int], list[int]]] = {}
        lengths = np.zeros(len(documents), dtype=np.int64)
        total_terms, doc_count = 0, 0
        self._citations: dict[str, list[int]] = {}
        for index, doc in enumerate(documents):
            counts: dict[str, int] = {}
            length = overlaps = 0
            for value in (doc.title, doc.text):  # copy_to: two values of one field
                last = None
                for token in self.analyzer.analyze(value or ""):
                    counts[token.term] = counts.get(token.term, 0) + 1
                    length += 1
                    overlaps += token.position == last
                    last = token.position
            if length:
                doc_count += 1
                total_terms += length
            lengths[index] = length - overlaps if self.discount_overlaps else length
            for term, count in counts.items():
                docs, freqs = postings.setdefault(term, ([], []))
                docs.append(index)
                freqs.append(count)
            if self.citation_boost:
                for citation in extract_citations(doc.full_text):
                    self._citations.setdefault(citation, []).append(index)
        self._postings = {term: (np.asarray(d, dtype=np.int64), np.asarray(f, dtype=np.float32))
                          for term, (d, f) in postings.items()}
        self.doc_count = doc_count
        self.avgdl = np.float32(total_terms / doc_count) if doc_count else np.float32(1.0)
        self._norm_inverse = _lucene_norm_inverse(lengths, self.k1, self.b, self.avgdl)

    def describe(self) -> dict:
        return {"retriever": "bm25", "similarity": "lucene BM25", "k1": self.k1, "b": self.b,
                "analyzer": f"{self.analyzer.name} (mappings/index.json)", "field": "content",
                "citation_boost": self.citation_boost,
                "long_queries": {"lexical": "key terms by query frequency x idf", **self.long_queries.to_dict()}}

    def idf(self, doc_freq: int) -> np.float32:
        return np.float32(math.log(1 + (self.doc_count - doc_freq + 0.5) / (doc_freq + 0.5)))

    def key_terms(self, query: str) -> tuple[list[tuple[str, int]] | None, int, int]:
        """(key terms or None for a plain ``match``, positions, distinct terms) — :mod:`legalsearch.long_queries`."""
        freqs, positions = term_frequencies(self.analyzer, query)
        if positions <= self.long_queries.max_terms:
            return None, positions, len(freqs)
        doc_freqs = {term: len(self._postings[term][0]) for term in freqs if term in self._postings}
        return (select_key_terms(freqs, doc_freqs, self.doc_count, self.long_queries.max_terms), positions,
                len(doc_freqs))

    def scores(self, query: str) -> np.ndarray:
        """float32 score of every document for ``query`` (0 where the deployed query would not match).

        A query with more positions than the long-query policy's ``max_terms`` is scored as its key terms
        (:meth:`scores_for_terms`), the way ``legalsearch search`` sends it."""
        groups = self.analyzer.positions(query)  # analyzed once; a long query (rare) is analyzed again for its terms
        if len(groups) > self.long_queries.max_terms:
            terms, _, _ = self.key_terms(query)
            return self.scores_for_terms(terms, query)
        total = np.zeros(len(self.doc_ids), dtype=np.float64)
        matched = np.zeros(len(self.doc_ids), dtype=bool)
        for group in groups:
            present = [self._postings[term] for term in group if term in self._postings]
            if not present:
                continue
            doc_freq = max(len(docs) for docs, _ in present)
            docs = np.concatenate([d for d, _ in present])
            freqs = np.concatenate([f for _, f in present])
            unique, inverse = np.unique(docs, return_inverse=True)
            freq = np.zeros(len(unique), dtype=np.float32)
            np.add.at(freq, inverse, freqs)
            weight = self.idf(doc_freq)
            one = np.float32(1.0)
            score = weight - weight / (one + freq * self._norm_inverse[unique])
            total[unique] += score
            matched[unique] = True
        return self._with_citations(total, matched, query)

    def scores_for_terms(self, terms: list[tuple[str, int]], query: str = "") -> np.ndarray:
        """Scores of a ``bool`` of boosted ``term`` clauses (Lucene: weight = boost × idf), plus the citation boost
        for the citations of ``query``: what :func:`legalsearch.plugin.queries.key_terms_clause` sends."""
        total = np.zeros(len(self.doc_ids), dtype=np.float64)
        matched = np.zeros(len(self.doc_ids), dtype=bool)
        one = np.float32(1.0)
        for term, boost in terms:
            if term not in self._postings:
                continue
            docs, freqs = self._postings[term]
            weight = np.float32(boost) * self.idf(len(docs))
            total[docs] += weight - weight / (one + freqs * self._norm_inverse[docs])
            matched[docs] = True
        return self._with_citations(total, matched, query)

    def _with_citations(self, total: np.ndarray, matched: np.ndarray, query: str) -> np.ndarray:
        out = total.astype(np.float32)
        if self.citation_boost:
            cited = {i for c in self._extract_citations(query) for i in self._citations.get(c, ())}
            if cited:
                rows = np.fromiter(cited, dtype=np.int64)
                out[rows] = (out[rows].astype(np.float64) + self.citation_boost).astype(np.float32)
                matched[rows] = True
        out[~matched] = 0.0
        return out

    def search(self, queries: dict[str, str], k: int = 100) -> Run:
        k = min(k, len(self.doc_ids))
        run: Run = {}
        for qid, text in queries.items():
            scores = self.scores(text)
            top = _top_k(scores, k)
            run[qid] = {self.doc_ids[i]: float(scores[i]) for i in top if scores[i] > 0}
        return run


_SHARED_BM25: list = []  # [(documents, retriever)]: the last corpus indexed by shared_bm25, at most one


def shared_bm25(documents: list[Document]) -> BM25Retriever:
    """A :class:`BM25Retriever` with default settings over ``documents``, built once per corpus per process.

    Mining, the dev evaluation's candidate pool and the benchmark each need BM25 over the same corpus, and its
    analysis is the slow part on long judgments (minutes for AILA 2019's 10 million words): the same
    :class:`Document` objects, in the same order, get the index built the first time. Only the last corpus is kept.
    """
    if _SHARED_BM25:
        kept, retriever = _SHARED_BM25[0]
        if len(kept) == len(documents) and all(a is b for a, b in zip(kept, documents)):
            return retriever
    retriever = BM25Retriever(documents)
    _SHARED_BM25[:] = [(list(documents), retriever)]
    return retriever


def lucene_bm25_parameters(index: dict) -> dict:
    """k1, b and discount_overlaps that the index's ``content`` field is scored with.

    The field's ``similarity`` (a name from ``settings.index.similarity``, or ``BM25``), else the index's
    ``default`` similarity, else OpenSearch's default: BM25 with k1 1.2, b 0.75, discount_overlaps true.
    """
    settings = index.get("settings", {})
    similarities = {**settings.get("similarity", {}), **settings.get("index", {}).get("similarity", {})}
    field = index.get("mappings", {}).get("properties", {}).get("content", {})
    name = field.get("similarity", "default")
    spec = similarities.get(name, {"type": "BM25"} if name in ("default", "BM25") else None)
    if spec is None or str(spec.get("type", "BM25")).upper() != "BM25":
        from legalsearch.analysis import AnalysisError

        raise AnalysisError(f"content is scored with similarity '{name}' ({spec}); offline BM25 reproduces only "
                            "BM25 (set the field's similarity to BM25 or remove it)")
    return {"k1": float(spec.get("k1", 1.2)), "b": float(spec.get("b", 0.75)),
            "discount_overlaps": str(spec.get("discount_overlaps", True)).lower() == "true"}


# Lucene SmallFloat.intToByte4 / byte4ToInt: the one-byte norm that stores a field's length.
_NUM_FREE_VALUES = 255 - 231  # 255 - longToInt4(Integer.MAX_VALUE)


def _long_to_int4(value: int) -> int:
    bits = value.bit_length()
    if bits < 4:
        return value
    shift = bits - 4
    return ((value >> shift) & 0x07) | ((shift + 1) << 3)


def _int4_to_long(value: int) -> int:
    bits, shift = value & 0x07, (value >> 3) - 1
    return bits if shift == -1 else (bits | 0x08) << shift


def lucene_norm_length(length: int) -> int:
    """The length Lucene's BM25 sees for a field of ``length`` tokens (exact below 41, then 4 significant bits)."""
    if length < _NUM_FREE_VALUES:
        return length
    encoded = _NUM_FREE_VALUES + _long_to_int4(length - _NUM_FREE_VALUES)
    return _NUM_FREE_VALUES + _int4_to_long(encoded - _NUM_FREE_VALUES)


def _lucene_norm_inverse(lengths: np.ndarray, k1: float, b: float, avgdl: np.float32) -> np.ndarray:
    """1 / (k1 * ((1 - b) + b * dl / avgdl)) per document, in float32 as BM25Similarity's norm cache computes it."""
    decoded = np.fromiter((lucene_norm_length(int(n)) for n in lengths), dtype=np.float32, count=len(lengths))
    k1_, b_ = np.float32(k1), np.float32(b)
    return (np.float32(1.0) / (k1_ * ((np.float32(1.0) - b_) + b_ * decoded / avgdl))).astype(np.float32)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


@dataclass
class DenseIndex:
    """Passage embeddings of a corpus, grouped by document so MaxP is one ``np.maximum.reduceat``
    (:func:`legalsearch.passages.max_per_document`)."""

    doc_ids: list[str]
    starts: np.ndarray  # index of each document's first passage
    embeddings: np.ndarray  # [n_passages, dim], L2-normalized
    passage_texts: list[str] = field(repr=False)

    @property
    def passages_per_doc(self) -> float:
        return len(self.passage_texts) / max(1, len(self.doc_ids))

    def subset(self, doc_ids: set[str]) -> "DenseIndex":
        """The index of the documents in ``doc_ids`` only (in this index's order), sharing no state with it."""
        ends = np.r_[self.starts[1:], len(self.passage_texts)]
        keep = [i for i, doc in enumerate(self.doc_ids) if doc in doc_ids]
        rows = np.concatenate([np.arange(self.starts[i], ends[i]) for i in keep]) if keep else np.zeros(0, int)
        sizes = np.array([ends[i] - self.starts[i] for i in keep], dtype=np.int64)
        return DenseIndex([self.doc_ids[i] for i in keep], np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64),
                          self.embeddings[rows], [self.passage_texts[r] for r in rows])


class DenseRetriever:
    """Cosine retrieval with a dense :class:`~legalsearch.encoders.Encoder`; a document scores as its best passage.

    Passages are the ones a deploy of this encoder indexes (:class:`~legalsearch.passages.PassageChunker`, the
    ingest pipeline's ``text_chunking`` reproduced); a document with no word keeps its text as its one passage here,
    where the cluster would hold no vector for it.

    Args:
        encoder: any encoder (PyTorch or ONNX).
        chunker: how documents are cut; default ``PassageChunker.for_model(encoder.max_seq_length)``, what
            ``legalsearch deploy`` uses for this encoder. Queries longer than one passage are cut the same way.
        long_queries: how many windows of a long query are searched.
    """

    def __init__(self, encoder: Encoder, chunker: PassageChunker | None = None, batch_size: int = 32,
                 show_progress: bool = False, long_queries: LongQueryPolicy | None = None):
        self.encoder = encoder
        self.long_queries = long_queries or LongQueryPolicy()
        self.chunker = chunker or PassageChunker.for_model(encoder.max_seq_length)
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.index: DenseIndex | None = None
        self.from_cache = False  # whether build() read the corpus embeddings from the cache

    def describe(self) -> dict:
        info = {"retriever": "dense", "model": self.encoder.name, "max_seq_length": self.encoder.max_seq_length,
                "aggregation": "maxp", "chunking": self.chunker.pipeline_params(),
                "long_queries": {"windows": "mean of the query's window vectors", **self.long_queries.to_dict()}}
        if getattr(self.encoder, "documents_encoded_by", None):
            info["documents_encoded_by"] = self.encoder.documents_encoded_by
        if self.index is not None:
            info["passages_per_doc"] = round(self.index.passages_per_doc, 3)
        return info

    def _passages(self, documents: list[Document]) -> tuple[list[str], list[int], list[str]]:
        doc_ids, starts, texts = [], [], []
        for doc in documents:
            pieces = self.chunker.split_text(doc.full_text) or [doc.full_text]
            doc_ids.append(doc.id)
            starts.append(len(texts))
            texts.extend(pieces)
        return doc_ids, starts, texts

    def cached(self, corpus: list[Document]) -> bool:
        """Whether this encoder's embeddings of ``corpus`` are in the embedding cache (building costs no encoding)."""
        cache_file = _embedding_cache_file(self.encoder, self._passages(corpus)[2])
        return cache_file is not None and cache_file.is_file()

    def build_within(self, corpus: list[Document], documents: list[Document]) -> DenseIndex:
        """The index of ``documents`` (a subset of ``corpus``, e.g. a dev evaluation's candidate pool): cut from
        the whole corpus's cached embeddings when this encoder has them (mining encoded the corpus already), so a
        pool costs no encoding; otherwise only ``documents`` are encoded."""
        passages = self._passages(corpus)
        cache_file = _embedding_cache_file(self.encoder, passages[2])
        if cache_file is None or not cache_file.is_file():
            return self.build(documents)
        self.index = self._build(*passages, cache_file).subset({doc.id for doc in documents})
        return self.index

    def build(self, documents: list[Document]) -> DenseIndex:
        doc_ids, starts, texts = self._passages(documents)
        return self._build(doc_ids, starts, texts, _embedding_cache_file(self.encoder, texts))

    def _build(self, doc_ids: list[str], starts: list[int], texts: list[str], cache_file: Path | None) -> DenseIndex:
        self.from_cache = cache_file is not None and cache_file.is_file()
        if self.from_cache:
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
        return max_per_document(query_vectors @ self.index.embeddings.T, self.index.starts)

    def query_windows(self, text: str) -> tuple[list[str], int]:
        """(windows embedded, windows the query has): a query longer than one passage is cut like the documents
        and searched with the mean of its windows' vectors (:mod:`legalsearch.long_queries`); a short one is its
        own single window."""
        windows = self.chunker.split_text(text)
        if len(windows) <= 1:
            return [text], 1
        return spread(windows, self.long_queries.max_windows), len(windows)

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """One vector per query, as :meth:`search` scores it: a long query's is the mean of its windows'."""
        windows, owners = [], []
        for row, text in enumerate(texts):
            pieces, _ = self.query_windows(text)
            windows.extend(pieces)
            owners.extend([row] * len(pieces))
        window_vectors = self.encoder.encode_queries(windows, batch_size=self.batch_size)
        owners = np.asarray(owners, dtype=np.int64)
        return mean_of_windows(window_vectors, np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]))

    def search(self, queries: dict[str, str], k: int = 100) -> Run:
        qids = list(queries)
        scores = self.doc_scores(self.query_vectors([queries[q] for q in qids]))
        k = min(k, scores.shape[1])
        run: Run = {}
        for row, qid in enumerate(qids):
            top = _top_k(scores[row], k)
            run[qid] = {self.index.doc_ids[i]: float(scores[row, i]) for i in top}
        return run

    def search_within(self, queries: dict[str, str], pools: dict[str, set[str]], k: int = 100) -> Run:
        """Like :meth:`search`, but each query ranks only the indexed documents of its own pool (re-ranking
        evaluation: :class:`legalsearch.evaluation.CandidatePools`); a query with no pool ranks nothing."""
        qids = list(queries)
        scores = self.doc_scores(self.query_vectors([queries[q] for q in qids]))
        column = {doc: i for i, doc in enumerate(self.index.doc_ids)}
        run: Run = {}
        for row, qid in enumerate(qids):
            columns = np.array(sorted(column[d] for d in pools.get(qid, ()) if d in column), dtype=np.int64)
            top = columns[_top_k(scores[row, columns], min(k, len(columns)))] if len(columns) else columns
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
