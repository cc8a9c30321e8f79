"""Training pairs from the corpus alone, for firms that have documents but no labelled queries.

Legal text carries its own supervision, and each generator here reads one kind of it, offline and without any
generative model:

* ``citation`` — a sentence that cites an authority which is itself in the corpus becomes a query for that
  document, with the citation cut out of the sentence (otherwise the pair only teaches to match the citation
  string). A citation resolves when exactly one document names it in its title (a statute's "Section 302 IPC", a
  regulation's "Regulation (EU) 2016/679"), and a case name ("Masud Khan v State of Uttar Pradesh") when exactly
  one judgment has it as its title.
* ``structure`` — a document's title, the heading it opens with ("Governing Law.", "12.3 Termination:") and the
  terms it defines ("'Confidential Information' means …") become queries for it. A heading or term found in
  several documents is one query with each of them relevant (up to ``max_positives``); more than that names no
  document and is dropped.
* ``span`` — inverse cloze: a sentence from the middle of a document is a query for the document. It works on any
  corpus and is the fallback where the others find little.

Every candidate then passes two filters (each can be switched off, and the report counts what each dropped):

* *copied* — the positive must say at least ``min_extra_words`` distinct words that the query does not (a short
  document that is the query sentence itself teaches nothing);
* *unretrievable* — the positive must be among the ``retrievable_k`` best documents (at most a tenth of the corpus,
  at least 10) of the deployed lexical query
  (:class:`legalsearch.retrieval.BM25Retriever`, the one mining uses): a pair whose query shares nothing findable
  with its document is more often an artefact of the heuristics than a paraphrase worth learning.

A query equal to one of a held-out split's queries is dropped as well, so evaluation on a labelled test split stays
clean. Output is a BEIR dataset (train and dev carved by query, deterministically for the seed) that ``mine`` and
``train`` read like any labelled one; hard negatives are mined from it exactly as for labelled data.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote

from legalsearch.data import Document, Qrels

GENERATORS = ("citation", "structure", "span")
REPORT_NAME = "synthesis_report.json"
PAIRS_NAME = "pairs.jsonl"


@dataclass
class SynthesisConfig:
    """Settings of :func:`synthesize`; ``to_dict()`` is recorded in the report."""

    generators: tuple[str, ...] = GENERATORS
    seed: int = 42
    per_document: int = 2  # pairs a generator may take from one source document
    max_queries: int = 20_000  # after filtering; a random subset beyond that (training time grows with it)
    span_words: tuple[int, int] = (8, 48)  # inverse-cloze sentence length
    query_words: tuple[int, int] = (2, 64)  # any query, after cutting citations out
    max_positives: int = 20
    min_extra_words: int = 8
    filter_copied: bool = True
    filter_unretrievable: bool = True
    retrievable_k: int = 100
    dev_fraction: float = 0.1
    min_dev_queries: int = 30

    def __post_init__(self):
        unknown = [g for g in self.generators if g not in GENERATORS]
        if unknown or not self.generators:
            raise ValueError(f"generators must be some of {', '.join(GENERATORS)}, got {', '.join(unknown) or 'none'}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GeneratorStats:
    """What one generator made, what the filters dropped (by reason), and from which documents."""

    made: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    source_documents: set = field(default_factory=set)
    positive_documents: set = field(default_factory=set)
    examples: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"made": self.made, "kept": self.kept, "dropped": dict(self.dropped),
                "source_documents": len(self.source_documents), "positive_documents": len(self.positive_documents),
                "examples": self.examples}


@dataclass
class SynthesisReport:
    config: SynthesisConfig
    generators: dict[str, GeneratorStats]
    splits: dict[str, int]  # split -> queries
    held_out: list[str] = field(default_factory=list)  # labelled splits copied through for evaluation
    dataset: str | None = None

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "config": self.config.to_dict(),
                "generators": {name: stats.to_dict() for name, stats in self.generators.items()},
                "splits": self.splits, "held_out_splits": self.held_out}

    def summary_lines(self) -> list[str]:
        lines = []
        for name, stats in self.generators.items():
            dropped = ", ".join(f"{n} {reason}" for reason, n in stats.dropped.most_common()) or "none"
            lines.append(f"{name:9s} made {stats.made}, kept {stats.kept} (from {len(stats.source_documents)} "
                         f"documents, for {len(stats.positive_documents)}); dropped: {dropped}")
        return lines

    def save(self, out_dir: str | Path) -> Path:
        path = Path(out_dir) / REPORT_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2, default=list) + "\n", encoding="utf-8")
        return path


@dataclass
class Candidate:
    query: str
    positives: set[str]
    generator: str
    source: str  # the document the query was read from


@dataclass
class Synthesis:
    queries: dict[str, str]
    qrels: dict[str, Qrels]
    pairs: list[Candidate]
    report: SynthesisReport


# --- text pieces ------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
# A sentence ends at . ? ! followed by space and a capital, a digit or an opening bracket or quote — unless the
# word before the stop is an abbreviation that legal text is full of ("U.S.C.", "Art.", "v.", "No.", "Sec.").
_BOUNDARY = re.compile(r"(?<=[.?!])\s+(?=[\"'“(\[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    "art arts sec secs s ss no nos v vs u c p r j jj ltd co corp inc e g i ie eg viz cf para paras ch cl sub rs "
    "mr mrs ms dr st ed fed civ crim app supp cir cl amend reg regs dir op cit id ibid al etc hon".split()
)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[start:match.start()].rstrip(".?!")
        last = before.rsplit(None, 1)[-1].lower().strip("(").rstrip(".") if before.strip() else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _squash(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:-–—")


def _key(text: str) -> str:
    return " ".join(words(text))


# --- generators ---------------------------------------------------------------------------------------------------

_CASE_NAME_SEPARATOR = re.compile(r"\s+(?:v|vs|versus)\.?\s+", re.IGNORECASE)


def _case_name_key(text: str) -> str | None:
    """'Masud Khan v. State of U.P.' -> 'masud khan v state of u p'; None when it is not 'A v B'."""
    parts = _CASE_NAME_SEPARATOR.split(text, maxsplit=1)
    if len(parts) != 2 or not words(parts[0]) or not words(parts[1]):
        return None
    return f"{_key(parts[0])} v {_key(parts[1])}"


def _identities(corpus: dict[str, Document]) -> dict[str, set[str]]:
    """keyword -> documents that name it as their own: citations in the title, the title as a case name."""
    from legalsearch.citations import extract_citations

    named: dict[str, set[str]] = {}
    for doc in corpus.values():
        if not doc.title:
            continue
        for keyword in extract_citations(doc.title):
            named.setdefault(f"cite:{keyword}", set()).add(doc.id)
        case = _case_name_key(doc.title)
        if case:
            named.setdefault(f"case:{case}", set()).add(doc.id)
    return named


def _case_names_in(text: str, known: set[str]) -> list[tuple[int, int, str]]:
    """Case names of ``known`` written in ``text``: around each ' v ' try up to 8 words either side."""
    found = []
    for match in _CASE_NAME_SEPARATOR.finditer(text):
        left = list(re.finditer(r"\S+", text[max(0, match.start() - 200):match.start()]))
        right = list(re.finditer(r"\S+", text[match.end():match.end() + 200]))
        offset = max(0, match.start() - 200)
        best = None
        for i in range(1, min(8, len(left)) + 1):
            for j in range(min(10, len(right)), 0, -1):
                start = offset + left[-i].start()
                end = match.end() + right[j - 1].end()
                key = _case_name_key(text[start:end])
                if key and f"case:{key}" in known and (best is None or end - start > best[1] - best[0]):
                    best = (start, end, f"case:{key}")
                    break
        if best:
            found.append(best)
    return found


_SUBDIVISION_TAIL = re.compile(r"(?:\s*\([0-9a-zA-Z]{1,4}\))+")
_TIDY = re.compile(r"\s+([.,;:)])")  # the space a cut citation leaves before punctuation


def generate_citation(corpus: dict[str, Document], config: SynthesisConfig, rng: random.Random):
    from legalsearch.citations import find_citations

    named = _identities(corpus)
    resolvable = {key for key, docs in named.items() if len(docs) == 1}
    if not resolvable:
        return
    for doc in corpus.values():
        text = doc.text
        mentions = [(s, e, f"cite:{kw}") for s, e, kw in find_citations(text)]
        if any(key.startswith("case:") for key in resolvable):
            mentions += _case_names_in(text, resolvable)
        by_sentence: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        bounds = sentences(text)
        for start, end, key in mentions:
            if key not in resolvable or doc.id in named[key]:
                continue  # ambiguous, unknown, or the document citing itself
            sentence = next((b for b in bounds if b[0] <= start < b[1]), None)
            if sentence:
                by_sentence.setdefault(sentence, []).append((start, end, key))
        picked = rng.sample(sorted(by_sentence), min(config.per_document, len(by_sentence)))
        for s_start, s_end in picked:
            cites = by_sentence[(s_start, s_end)]
            # the query is the sentence with every citation in it cut out; each cited document is relevant
            pieces, cursor = [], s_start
            for start, end, _key in sorted(mentions):
                if s_start <= start < s_end and start >= cursor:
                    pieces.append(text[cursor:start])
                    tail = _SUBDIVISION_TAIL.match(text, end)  # "§ 1332(c)(1)": the subsections go with it
                    cursor = min(max(tail.end() if tail else end, cursor), s_end)
            pieces.append(text[cursor:s_end])
            query = _TIDY.sub(r"\1", _squash(" ".join(pieces)))
            yield Candidate(query, {next(iter(named[key])) for _s, _e, key in cites}, "citation", doc.id)


# "Governing Law. This Agreement…", "12.3 Termination: Either party…", "ARTICLE IV - INDEMNIFICATION …": up to
# eight Title Case (or capitalised) words, after optional numbering, closed by a stop, colon or dash.
_HEADING = re.compile(
    r"^\s*(?:(?:[Ss]ection|SECTION|[Aa]rticle|ARTICLE|[Cc]lause|CLAUSE|§)\s+)?"
    r"(?:\d+(?:\.\d+)*[.)]?\s+|[IVXLC]+[.)]?\s+|\([a-zA-Z0-9]{1,3}\)\s+)?"
    r"((?:[A-Z][\w'&/-]*)(?:\s+(?:[A-Z][\w'&/-]*|of|and|or|the|to|for|in|on|by|with|a|an)){0,7})\s*[.:—–-]\s+"
    r"(?=[A-Z(\"'“])"
)
_DEFINED_TERM = re.compile(
    r"[\"“]([A-Z][^\"”]{1,60}?)[\"”]\s*\)?\s*(?:shall\s+)?(?:means|mean|shall have the meaning|has the meaning|"
    r"refers to|is defined as)\b"
)
_HEADING_STOP = frozenset("of and or the to for in on by with a an".split())


def _clean_title(title: str) -> str:
    """File-name titles ('01_Bosch-Automotive%20NDA-7-12-17') become words; others are left as written."""
    text = unquote(title)
    if " " not in text.strip() and re.search(r"[_-]", text):
        text = re.sub(r"[_-]+", " ", text)
    return _squash(re.sub(r"\.(pdf|docx?|txt|html?)$", "", text, flags=re.IGNORECASE))


def generate_structure(corpus: dict[str, Document], config: SynthesisConfig, rng: random.Random):
    by_query: dict[str, tuple[str, set[str], str]] = {}  # key -> (query, documents, first source)

    def add(query: str, doc_id: str) -> None:
        query = _squash(query)
        key = _key(query)
        if not key:
            return
        entry = by_query.setdefault(key, (query, set(), doc_id))
        entry[1].add(doc_id)

    for doc in corpus.values():
        if doc.title:
            add(_clean_title(doc.title), doc.id)
        heading = _HEADING.match(doc.text[:200])
        if heading:
            name = heading.group(1).strip()
            if name.split()[-1].lower() not in _HEADING_STOP and not name.isdigit():
                add(name, doc.id)
        terms = sorted({m.group(1).strip() for m in _DEFINED_TERM.finditer(doc.text)})
        for term in rng.sample(terms, min(config.per_document, len(terms))):
            add(term, doc.id)
    for query, documents, source in by_query.values():
        yield Candidate(query, documents, "structure", source)


def generate_span(corpus: dict[str, Document], config: SynthesisConfig, rng: random.Random):
    low, high = config.span_words
    for doc in corpus.values():
        bounds = sentences(doc.text)
        middle = bounds[1:] if len(bounds) >= 3 else []  # the first sentence is often a heading or a caption
        eligible = [(s, e) for s, e in middle if low <= len(words(doc.text[s:e])) <= high]
        for start, end in rng.sample(eligible, min(config.per_document, len(eligible))):
            yield Candidate(_squash(doc.text[start:end]), {doc.id}, "span", doc.id)


GENERATOR_FUNCTIONS = {"citation": generate_citation, "structure": generate_structure, "span": generate_span}


# --- the whole synthesis ------------------------------------------------------------------------------------------


def synthesize(
    corpus: dict[str, Document],
    config: SynthesisConfig | None = None,
    held_out_queries: dict[str, str] | None = None,
) -> Synthesis:
    """Make, filter and split (query, positives) pairs from ``corpus``; see the module docstring."""
    config = config or SynthesisConfig()
    held_out = {_key(text) for text in (held_out_queries or {}).values()}
    stats = {name: GeneratorStats() for name in config.generators}
    low, high = config.query_words
    candidates: list[Candidate] = []
    for name in config.generators:
        rng = random.Random(f"{config.seed}:{name}")  # each generator's choices independent of the others'
        for candidate in GENERATOR_FUNCTIONS[name](corpus, config, rng):
            stats[name].made += 1
            n_words = len(words(candidate.query))
            if not low <= n_words <= high:
                stats[name].dropped[f"query of {n_words} words (outside {low}-{high})"
                                    if n_words < low else f"query over {high} words"] += 1
            elif len(candidate.positives) > config.max_positives:
                stats[name].dropped[f"names more than {config.max_positives} documents"] += 1
            elif _key(candidate.query) in held_out:
                stats[name].dropped["equals a held-out query"] += 1
            else:
                candidates.append(candidate)
    if config.filter_copied:
        candidates = _drop_copied(candidates, corpus, config, stats)
    candidates = _merge_duplicates(candidates, stats)
    if config.filter_unretrievable and candidates:
        candidates = _drop_unretrievable(candidates, corpus, config, stats)
    rng = random.Random(config.seed)
    if len(candidates) > config.max_queries:
        chosen = set(rng.sample(range(len(candidates)), config.max_queries))
        for i, candidate in enumerate(candidates):
            if i not in chosen:
                stats[candidate.generator].dropped[f"over max_queries ({config.max_queries})"] += 1
        candidates = [c for i, c in enumerate(candidates) if i in chosen]
    for candidate in candidates:
        entry = stats[candidate.generator]
        entry.kept += 1
        entry.source_documents.add(candidate.source)
        entry.positive_documents.update(candidate.positives)
        if len(entry.examples) < 3:
            entry.examples.append({"query": candidate.query[:200], "positives": sorted(candidate.positives)[:3],
                                   "source": candidate.source})
    queries, qrels = _split(candidates, config, rng)
    report = SynthesisReport(config, stats, {split: len(judged) for split, judged in qrels.items()})
    return Synthesis(queries, qrels, candidates, report)


def _drop_copied(candidates, corpus, config, stats) -> list[Candidate]:
    kept = []
    for candidate in candidates:
        query = set(words(candidate.query))
        positives = {d for d in candidate.positives
                     if len(set(words(corpus[d].full_text)) - query) >= config.min_extra_words}
        if not positives:
            stats[candidate.generator].dropped["copied (the positive adds too few words)"] += 1
            continue
        candidate.positives = positives
        kept.append(candidate)
    return kept


def _merge_duplicates(candidates, stats) -> list[Candidate]:
    """One query text, one query: positives of repeats join the first; each repeat is counted where it came from."""
    merged: dict[str, Candidate] = {}
    for candidate in candidates:
        key = _key(candidate.query)
        if key in merged:
            merged[key].positives |= candidate.positives
            stats[candidate.generator].dropped["same query as another pair (merged)"] += 1
        else:
            merged[key] = candidate
    return list(merged.values())


def _drop_unretrievable(candidates, corpus, config, stats) -> list[Candidate]:
    from legalsearch.retrieval import BM25Retriever

    # "Not retrievable at all" must mean something on a small corpus too: the cut is the top tenth of the corpus
    # when that is fewer than retrievable_k documents (at least 10).
    k = min(config.retrievable_k, max(10, len(corpus) // 10))
    bm25 = BM25Retriever(list(corpus.values()))
    run = bm25.search({str(i): c.query for i, c in enumerate(candidates)}, k=k)
    kept = []
    for i, candidate in enumerate(candidates):
        found = candidate.positives & set(run.get(str(i), {}))
        if not found:
            stats[candidate.generator].dropped[f"unretrievable (positive not in BM25 top {k})"] += 1
            continue
        candidate.positives = found
        kept.append(candidate)
    return kept


def _split(candidates: list[Candidate], config: SynthesisConfig, rng: random.Random):
    """Query ids ``syn-<generator>-<n>``; dev is a random tenth (at least ``min_dev_queries``, at most a fifth)."""
    queries: dict[str, str] = {}
    judged: dict[str, dict[str, int]] = {}
    counters: Counter = Counter()
    for candidate in candidates:
        counters[candidate.generator] += 1
        qid = f"syn-{candidate.generator}-{counters[candidate.generator]:06d}"
        queries[qid] = candidate.query
        judged[qid] = {doc: 1 for doc in sorted(candidate.positives)}
    qids = list(judged)
    rng.shuffle(qids)
    n_dev = min(max(config.min_dev_queries, round(len(qids) * config.dev_fraction)), len(qids) // 5)
    qrels = {"train": {q: judged[q] for q in sorted(qids[n_dev:])}}
    if n_dev:
        qrels["dev"] = {q: judged[q] for q in sorted(qids[:n_dev])}
    return queries, qrels


def write_synthesis(out: str | Path, corpus: dict[str, Document], synthesis: Synthesis,
                    held_out: dict[str, tuple[dict[str, str], Qrels]] | None = None,
                    source_qrels_dir: str | Path | None = None, relevant_grade: int = 1) -> Path:
    """Write the BEIR dataset, ``pairs.jsonl`` (each pair with its generator and source) and the report.

    ``held_out`` maps a labelled split (e.g. ``test``) to its queries and qrels, copied through unchanged so that
    ``eval`` and ``bench`` can report on real queries while training reads only synthesized ones. A graded source
    (ACORD marks relevance as grade >= 3 in ``qrels/{split}_binary.tsv``) keeps its definition: its binary files
    are copied too, and synthesized positives get ``relevant_grade`` so that they count as relevant under it.
    """
    import shutil

    from legalsearch.data import write_beir

    queries = dict(synthesis.queries)
    qrels = {split: {q: {d: relevant_grade for d in judged} for q, judged in split_qrels.items()}
             for split, split_qrels in synthesis.qrels.items()}
    for split, (split_queries, split_qrels) in (held_out or {}).items():
        queries.update(split_queries)
        qrels[split] = split_qrels
        synthesis.report.held_out.append(split)
    out = write_beir(out, corpus, queries, qrels)
    for split in (held_out or {}):
        binary = Path(source_qrels_dir) / f"{split}_binary.tsv" if source_qrels_dir else None
        if binary is not None and binary.is_file():
            shutil.copyfile(binary, Path(out) / "qrels" / binary.name)
    qid_of = {text: qid for qid, text in synthesis.queries.items()}
    with (Path(out) / PAIRS_NAME).open("w", encoding="utf-8") as handle:
        for pair in synthesis.pairs:
            handle.write(json.dumps({"query_id": qid_of[pair.query], "query": pair.query,
                                     "positives": sorted(pair.positives), "generator": pair.generator,
                                     "source": pair.source}, ensure_ascii=False) + "\n")
    synthesis.report.save(out)
    return Path(out)
