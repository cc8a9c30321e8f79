"""Write a synthetic legal-style BEIR corpus of N documents (for scale runs; generated, never committed).

    python benchmarks/synthetic_corpus.py OUT_DIR --documents 200000 [--seed 0] [--min-words 40] [--max-words 160]

Each document is a title and 40-160 words of contract and case-law vocabulary; about one in five cites a statute,
a rule or a reporter (so citation extraction does its real work). Written line by line: memory stays flat for any N.
Deterministic for a seed. ``VOCABULARY`` is exported so that a tiny encoder can be built on the same words.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

VOCABULARY = (
    "agreement party parties licensee licensor shall may indemnify defend hold harmless against claims losses "
    "damages liabilities costs expenses arising out of relating to breach warranty representation covenant "
    "termination convenience notice written days prior effective date term renewal governing law jurisdiction "
    "court venue arbitration dispute confidential information disclosure obligations exceptions public domain "
    "intellectual property rights patent copyright trademark trade secret assignment change of control consent "
    "unreasonably withheld limitation liability consequential indirect incidental punitive exemplary cap fees "
    "paid twelve months preceding insurance coverage policy insured additional force majeure event beyond "
    "reasonable control payment invoice net thirty interest late audit records books inspection compliance "
    "applicable laws regulations export controls sanctions anti bribery data protection personal processing "
    "controller processor subprocessor security incident breach notification remedy cure period material "
    "plaintiff defendant appellant respondent motion dismiss summary judgment granted denied affirmed reversed "
    "remanded held that the district court erred in concluding standard review de novo abuse discretion"
).split()
CITATIONS = ["42 U.S.C. § 1983", "Fed. R. Civ. P. 12(b)(6)", "123 F.3d 456", "550 U.S. 544", "15 U.S.C. § 78j(b)",
             "Section 302 IPC", "Art. 6(1)(f) GDPR", "[2019] EWCA Civ 1010"]


def documents(n: int, seed: int = 0, min_words: int = 40, max_words: int = 160):
    rng = random.Random(seed)
    for i in range(n):
        words = rng.choices(VOCABULARY, k=rng.randint(min_words, max_words))
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), f"under {rng.choice(CITATIONS)}")
        title = " ".join(rng.choices(VOCABULARY, k=3)).title()
        yield {"_id": f"syn-{i:07d}", "title": title, "text": " ".join(words).capitalize() + "."}


def write(out: Path, n: int, seed: int = 0, min_words: int = 40, max_words: int = 160) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for doc in documents(n, seed, min_words, max_words):
            handle.write(json.dumps(doc) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write corpus.jsonl into")
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-words", type=int, default=40)
    parser.add_argument("--max-words", type=int, default=160)
    args = parser.parse_args(argv)
    print(write(args.out, args.documents, args.seed, args.min_words, args.max_words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
