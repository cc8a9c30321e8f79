"""Offline against through-the-cluster NDCG@10 for bm25, neural and hybrid, on one deployment.

    python benchmarks/parity.py DATASET EXPORT --vectors server|client [--url URL] [--index ALIAS] [--reuse]
        [--weights 0.3,0.7] [--split test] [--out-dir benchmarks/results/parity] [--keep]

Deploys DATASET with EXPORT (``legalsearch.plugin.deploy``, the code behind ``legalsearch deploy``) behind a
throw-away alias, or with ``--reuse`` takes the deployment already behind ``--index``; then
:func:`legalsearch.bench.cluster.parity` scores the split's queries offline, set up as the index is (its encoder
variant, chunking settings and hybrid setting), and through the cluster, and writes
``OUT_DIR/<dataset>-<vectors>.json``: ``{"dataset", "vectors", "modes": {"bm25": {"offline", "cluster"}, ...}}``.
Exits 1 when a mode differs by more than 0.005. The alias is removed afterwards unless ``--keep`` or ``--reuse``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
import uuid
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "parity"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="BEIR dataset directory, or 'sample'")
    parser.add_argument("export", type=Path, help="output directory of `legalsearch export`")
    parser.add_argument("--vectors", choices=("server", "client"), required=True)
    parser.add_argument("--url", default=os.environ.get("LEGALSEARCH_OPENSEARCH_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--insecure", action="store_true")
    parser.add_argument("--index", help="alias to deploy behind (default: a throw-away parity-* alias)")
    parser.add_argument("--reuse", action="store_true", help="take the deployment already behind --index")
    parser.add_argument("--weights", default="0.3,0.7", help="hybrid weights BM25,DENSE for the deploy")
    parser.add_argument("--split", default="test")
    parser.add_argument("-k", type=int, default=100, help="results per sub-query (default: 100)")
    parser.add_argument("--configure-ml", action="store_true", help="as `legalsearch deploy --configure-ml`")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", action="store_true", help="leave the deployment in place")
    args = parser.parse_args(argv)
    if args.reuse and not args.index:
        parser.error("--reuse needs --index")

    from legalsearch.bench.cluster import ClusterTarget, parity
    from legalsearch.data import load_dataset, sample_dataset_path
    from legalsearch.hybrid import HybridConfig
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import DeployOptions, deploy, load_encoder, undeploy_everything

    dataset_path = sample_dataset_path() if args.dataset == "sample" else Path(args.dataset)
    dataset = load_dataset(dataset_path)
    settings = resolve_settings(url=args.url, insecure=args.insecure or None)
    cluster = connect(settings)
    alias = args.index or f"parity-{dataset_path.name}-{args.vectors}-{uuid.uuid4().hex[:6]}"
    deployed = None
    try:
        if not args.reuse:
            weights = tuple(float(w) for w in args.weights.split(","))
            options = DeployOptions(alias=alias, vectors=args.vectors, export_dir=args.export,
                                    hybrid=HybridConfig(weights=weights), configure_ml=args.configure_ml,
                                    state_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "legalsearch-parity",
                                    progress=sys.stderr.isatty())
            encoder = load_encoder(args.export) if args.vectors == "client" else None
            deployed = deploy(cluster, dataset_path, options, encoder=encoder, echo=lambda m: print(m, file=sys.stderr))
        target = ClusterTarget.open(settings, alias)
        if target.info.vectors != args.vectors:
            raise SystemExit(f"{alias} holds {target.info.vectors}-side vectors, not {args.vectors}-side")
        started = time.time()
        result = parity(target, dataset, args.split, k=args.k)
        result.update(
            command=" ".join(shlex.quote(a) for a in [sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
            date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), export=args.export.name, parity_s=round(time.time() - started),
            ingest=target.info.ingest, machine={"cores": os.cpu_count(), "platform": platform.platform()},
        )
    finally:
        if deployed is not None and not args.keep:
            undeploy_everything(cluster, alias)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"{dataset_path.name}-{args.vectors}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"out": str(out), "modes": result["modes"]}, indent=2))
    return 0 if all(mode["agrees"] for mode in result["modes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
