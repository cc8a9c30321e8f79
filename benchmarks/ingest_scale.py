"""Memory and throughput of a client-side deploy at scale: synthetic corpora, a tiny encoder, peak RSS.

    python benchmarks/ingest_scale.py --url URL [--sizes 20000,200000] [--work DIR] [--out result.json]

For each size it writes a synthetic corpus (``benchmarks/synthetic_corpus.py``), then runs
``legalsearch deploy CORPUS --export TINY --vectors client --quiet --json`` as its own process and reads that
process's peak resident set size from the kernel (``wait4``'s ``ru_maxrss``), sampling on the way the documents
acknowledged and the RSS so far (``/proc``); ``--time-limit`` interrupts a run that would not fit (reported partial). The encoder is a tiny valid export
(``legalsearch.exporter.testing.build_fake_export``, 32 dimensions, the corpus vocabulary) so that the machinery
(reading, validation, chunking, citations, serialization, bulk requests), not the model, is measured. The deployed
index is removed afterwards. The point is that memory does not grow with the corpus: peak RSS at the largest size
should be within 10% of the smallest and under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from legalsearch.bench import machine_info  # noqa: E402

import synthetic_corpus  # noqa: E402


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _acknowledged(state: Path) -> int:
    return sum(sum(1 for _ in path.open("rb")) for path in state.glob("*.ids"))


def deploy_process(corpus: Path, export: Path, alias: str, url: str, state: Path, time_limit: float | None,
                   sample_every: float = 10.0) -> dict:
    """Run the deploy as its own process; every ``sample_every`` s record the documents acknowledged so far and the
    process's RSS and peak RSS (``/proc``). Past ``time_limit`` s it is interrupted (SIGINT, as Ctrl-C: it stops
    cleanly and could resume) and the run is reported as partial."""
    import signal
    import threading

    state.mkdir(parents=True, exist_ok=True)
    for old in state.glob("*"):
        old.unlink()
    command = [sys.executable, "-m", "legalsearch", "deploy", str(corpus), "--export", str(export), "--vectors",
               "client", "--index", alias, "--quiet", "--json", "--state-dir", str(state), "--url", url]
    started = time.perf_counter()
    before = [round(x, 2) for x in os.getloadavg()]
    # a shell's background job ignores SIGINT, and a Python started so never turns it into KeyboardInterrupt
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    chunks: dict[str, list[str]] = {"out": [], "err": []}
    readers = [threading.Thread(target=lambda s=stream, k=key: chunks[k].append(s.read()))
               for stream, key in ((process.stdout, "out"), (process.stderr, "err"))]
    for reader in readers:
        reader.start()
    samples, interrupted, next_sample = [], False, started + sample_every
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        now = time.perf_counter()
        if now >= next_sample:
            samples.append({"seconds": round(now - started), "acknowledged": _acknowledged(state),
                            "rss_mb": round((_status_kb(process.pid, "VmRSS") or 0) / 1024, 1),
                            "peak_rss_mb": round((_status_kb(process.pid, "VmHWM") or 0) / 1024, 1)})
            next_sample = now + sample_every
        if time_limit and now - started > time_limit and not interrupted:
            process.send_signal(signal.SIGINT)
            interrupted = True
        time.sleep(0.5)
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    out, err = "".join(chunks["out"]), "".join(chunks["err"])
    run = {"completed": not interrupted and code == 0, "deploy_seconds_total": round(seconds, 1),
           "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
           "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "samples": samples,
           "load_average_before": before, "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    if interrupted:
        run.update(acknowledged=_acknowledged(state), stopped_after_s=time_limit)
        return run
    if code != 0:
        raise SystemExit(f"deploy failed ({code}):\n{err[-3000:]}")
    ingest = json.loads(out)["ingest"]
    run.update(documents=ingest["read"], indexed=ingest["indexed"], failed=ingest["failed"],
               bulk_requests=ingest.get("bulk_requests"), deploy_docs_per_s=round(ingest["read"] / seconds, 1),
               ingest_seconds=round(ingest["seconds"], 1), ingest_docs_per_s=round(ingest["docs_per_second"], 1))
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/legalsearch-ingest-scale"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="interrupt a deploy after this many seconds and report it as partial")
    args = parser.parse_args(argv)

    from legalsearch.exporter.testing import build_fake_export
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import undeploy_everything

    export = args.work / "tiny-export"
    if not (export / "export_report.json").is_file():
        build_fake_export(export, texts=[" ".join(synthetic_corpus.VOCABULARY)], dim=32)
    cluster = connect(resolve_settings(url=args.url))
    machine = machine_info()
    results = {"cpu": machine["cpu"], "cores": machine["cores"], "encoder": "tiny export (32 dimensions)",
               "cluster_version": ".".join(map(str, cluster.version)), "runs": []}
    for size in [int(s) for s in args.sizes.split(",")]:
        corpus = synthetic_corpus.write(args.work / f"corpus-{size}", size)
        alias = f"scale-{size}"
        undeploy_everything(cluster, alias)
        try:
            run = deploy_process(corpus, export, alias, args.url, args.work / "state", args.time_limit)
        finally:
            undeploy_everything(cluster, alias)
        run["corpus_documents"] = size
        run["corpus_mb"] = round(corpus.stat().st_size / 1e6, 1)
        results["runs"].append(run)
        print(json.dumps(run), file=sys.stderr)
        corpus.unlink()
    if len(results["runs"]) > 1:
        small, large = results["runs"][0], results["runs"][-1]
        results["rss_growth"] = round(large["peak_rss_mb"] / small["peak_rss_mb"] - 1, 3)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
