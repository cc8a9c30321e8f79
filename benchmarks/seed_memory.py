"""Peak resident memory of ``legalsearch bench --seeds N``, with and without the release between seeds, in one run.

``bench --seeds N`` mines, trains and evaluates N times in one process (the first seed also exports and gates the
ONNX graphs). This runs the same command twice in child processes — once with ``LEGALSEARCH_RELEASE_MEMORY=0``
(the baseline: nothing handed back between stages) and once as shipped — and records, for each, every seed's
``peak_rss_mb`` (the process's high-water mark when that seed's bench finished, from its ``results.json``) and the
child's peak from the kernel. If seeds accumulate memory, the baseline's high-water mark climbs after the first
seed; with the release it should stay at the first seed's.

    python benchmarks/seed_memory.py -d DATASET --seeds 3 -o OUT [-- extra bench flags]

Writes ``OUT/seed_memory.json``. Run it alone: the two runs share the machine in turn, never at once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def run(dataset: str, seeds: int, out: Path, base: str, extra: list[str], release: bool) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "legalsearch", "-v", "bench", "-d", dataset, "--base", base, "--seeds",
               str(seeds), "-o", str(out), *extra]
    env = {**os.environ, "LEGALSEARCH_RELEASE_MEMORY": "1" if release else "0"}
    started = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with (out / "bench.log").open("w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results = json.loads((out / "results.json").read_text())
    by_seed = [json.loads((Path(p) / "results.json").read_text()).get("peak_rss_mb")
               for p in results.get("per_seed_outputs", [str(out)])]
    return {"release": release, "command": " ".join(command[1:]), "wall_s": round(time.time() - started, 1),
            "peak_rss_mb_by_seed": by_seed,
            # RUSAGE_CHILDREN is the largest child so far: only a rise above the previous run is this run's own
            "child_peak_rss_mb": round(after / 1024, 1) if after > before else None,
            "fine_tuned_ndcg10_by_seed": ((results.get("seeds") or {}).get("rows") or {}).get("fine-tuned", {}).get("by_seed")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-d", "--dataset", required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("extra", nargs="*", help="more `legalsearch bench` flags (after --)")
    args = parser.parse_args(argv)
    # the baseline first: a child's ru_maxrss only reports a rise over the largest child before it
    runs = [run(args.dataset, args.seeds, args.out / name, args.base, args.extra, release)
            for name, release in (("without-release", False), ("with-release", True))]
    from legalsearch.bench import machine_info

    summary = {"dataset": args.dataset, "seeds": args.seeds, "machine": machine_info(), "runs": runs}
    (args.out / "seed_memory.json").write_text(json.dumps(summary, indent=2))
    for r in runs:
        print(f"{'with' if r['release'] else 'without'} release: peak RSS by seed {r['peak_rss_mb_by_seed']} MiB, "
              f"{r['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
