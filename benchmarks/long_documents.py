"""Long documents: what a cap on passages per document costs and saves, against full MaxP, on training queries.

A judgment of 6,000 words is 32 passages of 192 words; AILA 2019's 2,914 precedents are 53,000 passages, and every
one is encoded by mining, by each evaluation and by the deploy. The cap that the cluster can apply is
``text_chunking``'s ``max_chunk_limit`` (mappings/ingest-pipeline.json): the first ``K - 1`` passages, then the rest
of the text as one last passage, which the encoder cuts at its window. So a cap of ``K`` passages embeds the
document's first ``K`` windows; nothing after them is searched densely (BM25 still reads the whole text).

For each cap this script reports, on the **train** split only (the test split is not read):

* ``passages``: how many passages the corpus becomes (encoding cost is proportional);
* dense NDCG@10 with MaxP over those passages, queries embedded as ``legalsearch search`` embeds them (the mean of
  a long query's window vectors, :mod:`legalsearch.long_queries`);
* how many relevant documents lose their best passage (the one full MaxP scores them by) to the cap.

The corpus is encoded once, uncapped (cached for later runs: ``legalsearch bench`` on the same corpus and model
reuses nothing here, since the cap changes the passages, but this script's second run is free); a capped
document's last passage is the rest of its text cut at the encoder's window: its ``K``-th passage's vector where
that passage alone fills the window (the encoder then reads the same tokens), else encoded for that cap. Usage::

    python benchmarks/long_documents.py ../shared/datasets/aila2019/casedocs --caps 1,2,4,8,16,32 \\
        --json benchmarks/results/long-documents/aila2019-casedocs-train.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

SPLIT = "train"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--model", default="offline-minilm")
    parser.add_argument("--caps", default="1,2,4,8,16,32")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from legalsearch.bench import machine_info
    from legalsearch.data import load_dataset
    from legalsearch.encoders import SentenceTransformerEncoder, resolve_model_name
    from legalsearch.evaluation import evaluate_run
    from legalsearch.passages import max_per_document
    from legalsearch.retrieval import DenseRetriever, _top_k

    dataset = load_dataset(args.dataset)
    queries = dataset.split_queries(SPLIT)
    relevant = {q: {d for d, g in judged.items() if g >= dataset.relevant_grade}
                for q, judged in dataset.qrels_for(SPLIT).items()}
    name, _ = resolve_model_name(args.model)
    encoder = SentenceTransformerEncoder(name)
    retriever = DenseRetriever(encoder)
    documents = list(dataset.corpus.values())
    started = time.time()
    index = retriever.build(documents)
    encode_s = time.time() - started
    counts = np.diff(np.r_[index.starts, len(index.passage_texts)])

    qids = list(queries)
    query_vectors = retriever.query_vectors([queries[q] for q in qids])
    passage_scores = query_vectors @ index.embeddings.T  # [queries, passages]
    full = max_per_document(passage_scores, index.starts)
    best_passage = {}  # (query row, document column) -> position of the passage full MaxP scores it by
    column = {d: i for i, d in enumerate(index.doc_ids)}
    for row, qid in enumerate(qids):
        for doc in relevant.get(qid, ()):
            c = column[doc]
            s, n = index.starts[c], counts[c]
            best_passage[(row, c)] = int(np.argmax(passage_scores[row, s:s + n]))

    def ndcg(scores: np.ndarray) -> float:
        run = {q: {index.doc_ids[i]: float(scores[r, i]) for i in _top_k(scores[r], 100)} for r, q in enumerate(qids)}
        row = evaluate_run(run, dataset.qrels_for(SPLIT), ["ndcg@10"], dataset.relevant_grade, "dense", {})
        return row.means["ndcg@10"]

    rows = [{"cap": None, "passages": int(len(index.passage_texts)), "ndcg@10": round(ndcg(full), 4),
             "relevant_best_passage_cut": 0}]
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(encoder.tokenizer_path))
    room = encoder.max_seq_length - 2  # wordpieces the encoder reads between [CLS] and [SEP]
    tails_encoded = 0
    for cap in sorted({int(c) for c in args.caps.split(",")}):
        # passages 0 .. cap-2 as they are, then the rest of the text from passage cap-1 on, cut at the window.
        # Passages end where the next one's first token starts, so passage cap-1's wordpieces begin the rest's: when
        # it already fills the window the encoder reads exactly the same input, and its vector is reused.
        tails, tail_docs, reused = [], [], {}
        for c, doc in enumerate(documents):
            if counts[c] > cap:
                s = index.starts[c]
                if len(tokenizer.encode(index.passage_texts[s + cap - 1], add_special_tokens=False).ids) >= room:
                    reused[c] = index.embeddings[s + cap - 1]
                else:
                    tails.append("".join(index.passage_texts[s + cap - 1:s + counts[c]]))
                    tail_docs.append(c)
        tails_encoded += len(tails)
        tail_vectors = encoder.encode_documents(tails) if tails else np.zeros((0, index.embeddings.shape[1]))
        if reused:
            tail_docs += list(reused)
            tail_vectors = np.vstack([tail_vectors, np.stack(list(reused.values()))])
        capped = np.empty_like(full)
        tail_of = {c: i for i, c in enumerate(tail_docs)}
        for c in range(len(documents)):
            s = index.starts[c]
            if c in tail_of:
                kept = np.concatenate([passage_scores[:, s:s + cap - 1], query_vectors @ tail_vectors[tail_of[c]][:, None]],
                                      axis=1)
            else:
                kept = passage_scores[:, s:s + counts[c]]
            capped[:, c] = kept.max(axis=1)
        rows.append({"cap": cap, "passages": int(np.minimum(counts, cap).sum()), "ndcg@10": round(ndcg(capped), 4),
                     "relevant_best_passage_cut": sum(1 for (_, c), p in best_passage.items() if p >= cap
                                                      and counts[c] > cap)})
    result = {"dataset": str(args.dataset), "split": SPLIT, "queries": len(qids), "relevant_pairs": len(best_passage),
              "documents": len(documents), "model": args.model, "max_seq_length": encoder.max_seq_length,
              "chunking": retriever.chunker.pipeline_params(), "encode_corpus_s": round(encode_s, 1),
              "corpus_from_cache": retriever.from_cache, "tail_passages_encoded": tails_encoded,
              "passages_per_document": {"median": float(np.median(counts)), "p90": float(np.percentile(counts, 90)),
                                        "max": int(counts.max())},
              "rows": rows, "machine": machine_info(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "command": "python benchmarks/long_documents.py " + " ".join(sys.argv[1:] if argv is None else argv)}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(text)
    return result


if __name__ == "__main__":
    main()
