"""Benchmark reports: ``report.md`` for reading in a repository, ``report.html`` (self-contained, plots inline)."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

from legalsearch.errors import DependencyError

PRIMARY = "ndcg@10"


def _fmt_diff(comp: dict) -> str:
    rel = comp.get("relative_change")
    rel_text = f"{rel:+.1%}" if rel is not None else "n/a"
    mark = "" if comp["significant"] else " (n.s.)"
    return f"{rel_text} [{comp['ci_low']:+.3f}, {comp['ci_high']:+.3f}]{mark}"


def quality_markdown(results: dict) -> str:
    metrics = results["metrics"]
    comps = results["comparisons_vs_base"]
    head = "| system | " + " | ".join(metrics) + f" | Δ {PRIMARY} vs base [95% CI of the difference] |"
    lines = [head, "|---|" + "---:|" * len(metrics) + "---|"]
    for row in results["rows"]:
        cells = [f"{row['metrics'][m]:.4f}" for m in metrics]
        diff = "—" if row["name"] == "base" else _fmt_diff(comps[row["name"]][PRIMARY])
        lines.append(f"| {row['name']} | " + " | ".join(cells) + f" | {diff} |")
    return "\n".join(lines)


def seeds_markdown(results: dict) -> str:
    """The "Across seeds" table: each seed, the mean, the worst seed, the spread and the two-level interval."""
    seeds = results.get("seeds")
    if not seeds:
        return ""
    metric = seeds["metric"]
    labels = ", ".join(str(s) for s in seeds["seeds"])
    lines = [f"| system | {metric} by seed ({labels}) | mean | worst seed | spread (sd) | mean gain vs base "
             "[95% CI over seeds and queries] | worst seed's gain |", "|---|---|---:|---:|---:|---|---:|"]
    for name, row in seeds["rows"].items():
        gain = row["gain"]
        rel = row["relative_gain_mean"]
        worst = row["relative_gain_worst"]
        mark = "" if gain["significant"] else " (n.s.)"
        lines.append(f"| {name} | " + ", ".join(f"{v:.4f}" for v in row["by_seed"]) + f" | {row['mean']:.4f} | "
                     f"{row['worst']:.4f} | {row['spread']:.4f} | "
                     f"{(f'{rel:+.1%}' if rel is not None else 'n/a')} [{gain['ci_low']:+.3f}, {gain['ci_high']:+.3f}]"
                     f"{mark} | {(f'{worst:+.1%}' if worst is not None else 'n/a')} |")
    lines += ["", f"Base model {seeds['base']:.4f}, BM25 {seeds['bm25']:.4f}. Hybrid at least the better single "
              f"retriever on every seed: **{'yes' if seeds['hybrid_at_least_best_single_every_seed'] else 'no'}**."]
    return "\n".join(lines)


def regression_notes(results: dict) -> list[str]:
    """A warning when dev or cross-validation said fine-tuning did not beat the base model (per seed), and a note
    when training had nothing held out to check it on (the budget left no room for cross-validation)."""
    notes = []
    seeds = results.get("seeds")
    verdicts = seeds["training_verdicts"] if seeds else [(results.get("training") or {}).get("verdict")]
    beats = seeds["tuned_beats_base_on_dev"] if seeds else [(results.get("training") or {}).get("tuned_beats_base")]
    for i, (verdict, beat) in enumerate(zip(verdicts, beats)):
        if beat is False:
            who = f"seed {seeds['seeds'][i]}: " if seeds else ""
            notes.append(f"**No gain on dev** — {who}{verdict} The fine-tuned row is then the base model.")
    unchecked = [i for i, (verdict, beat) in enumerate(zip(verdicts, beats))
                 if beat is None and (verdict or "").startswith("No held-out check")]
    if unchecked:
        who = (f"seed{'s' * (len(unchecked) > 1)} {', '.join(str(seeds['seeds'][i]) for i in unchecked)}: "
               if seeds else "")
        kept = (seeds.get("kept_base_model") if seeds else None) \
            or [bool((results.get("training") or {}).get("kept_base_model"))]
        outcome = ("The fine-tuned row is then the base model, kept untrained." if kept[unchecked[0]]
                   else "The test rows below are the first measurement of the gain.")
        notes.append(f"**No held-out check in training** — {who}{verdicts[unchecked[0]]} {outcome}")
    return notes


def speed_markdown(results: dict) -> str:
    speed = results.get("speed") or {}
    if not speed:
        return "_Speed not measured (--no-speed)._"
    reference = speed.get("pytorch")
    lines = ["| encoder | query p50 (ms, batch 1) | query p99 (ms) | docs/s (batch 32) | query speed-up | docs/s ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, s in speed.items():
        q = s["query_latency"]
        up = f"{reference['query_latency']['p50_ms'] / q['p50_ms']:.1f}×" if reference else "—"
        ratio = f"{s['documents_per_second'] / reference['documents_per_second']:.1f}×" if reference else "—"
        lines.append(f"| {label} | {q['p50_ms']:.1f} | {q['p99_ms']:.1f} | {s['documents_per_second']:.1f} | {up} "
                     f"| {ratio} |")
    conditions = results.get("speed_conditions")
    if conditions:  # legalsearch.bench.speed: the same measurement as benchmarks/encode_speed.py
        start, end = conditions["load_average_at_start"][0], (conditions["load_average_at_end"] or [float("nan")])[0]
        lines += ["", f"{conditions['threads']} threads, {conditions['clock']}, {conditions['rounds']} interleaved "
                  f"rounds of {conditions['queries']} queries and {conditions['documents']} documents; load average "
                  f"{start:.1f} → {end:.1f} (figures taken on a busy machine are upper bounds on latency)."]
    return "\n".join(lines)


def cluster_markdown(results: dict) -> str:
    """The "Through OpenSearch" table: quality per mode beside the offline number, agreement flag, latency."""
    cluster = results.get("cluster")
    if not cluster:
        return ""
    metrics = results["metrics"]
    tolerance = cluster.get("tolerance", 0.01)
    lines = ["| mode (through OpenSearch) | " + " | ".join(metrics) + f" | offline NDCG@10 | agrees (±{tolerance:g}) | "
             "p50 ms | p99 ms |", "|---|" + "---:|" * len(metrics) + "---:|---|---:|---:|"]
    for mode, row in cluster["modes"].items():
        cells = [f"{row['metrics'][m]:.4f}" for m in metrics]
        offline = row.get("offline_ndcg@10")
        agrees = "yes" if row.get("agrees") else "**NO**"
        lines.append(f"| {mode} | " + " | ".join(cells) + f" | {offline:.4f} | {agrees} | "
                     f"{row['latency']['p50_ms']:.1f} | {row['latency']['p99_ms']:.1f} |")
    return "\n".join(lines)


def _hybrid_intervals(hybrid: dict) -> str:
    """The hybrid's paired differences against BM25 and the better single retriever (results before these were
    recorded have none)."""
    parts = []
    for key, label in (("vs_bm25", "bm25"), ("vs_best_single", hybrid["best_single"])):
        test = hybrid.get(key)
        if test is None or (key == "vs_best_single" and label == "bm25"):
            continue
        parts.append(f"{label} {test['mean_difference']:+.4f} [{test['ci_low']:+.4f}, {test['ci_high']:+.4f}]"
                     + ("" if test["significant"] else " (n.s.)"))
    return f" Hybrid minus {'; minus '.join(parts)} ({PRIMARY}, 95% paired bootstrap)." if parts else ""


def _hybrid_text(config: dict) -> str:
    text = f"{config['technique']} {config['weights'][0]}/{config['weights'][1]}"
    return text + (f" (rank constant {config['rank_constant']})" if config["technique"] == "rrf" else "")


def cluster_notes(results: dict) -> list[str]:
    """Sentences under the cluster table: what was compared, the hybrid setting, ingest throughput."""
    cluster = results.get("cluster")
    if not cluster:
        return []
    notes = [f"Index `{cluster['index']}` ({cluster['vectors']}-side vectors); latency is the `_search` round trip "
             f"alone, sequential, {cluster['modes']['bm25']['latency']['n']} queries per mode. Offline NDCG@10 is "
             "the offline row of the same retriever; a difference beyond the tolerance is marked **NO**."]
    deployed, same = cluster.get("hybrid_config"), cluster.get("hybrid_same_as_offline")
    if deployed and same:
        notes.append(f"Hybrid through the index's default search pipeline: {_hybrid_text(deployed)}, the offline "
                     "setting.")
    elif deployed:
        notes.append(f"Hybrid through the index's default search pipeline: {_hybrid_text(deployed)}, **not** the "
                     f"offline setting ({_hybrid_text(results['hybrid']['config'])}), so the hybrid rows are not "
                     "comparable; deploy with `--hybrid-config hybrid.json` from this run to compare them.")
    ingest = cluster.get("ingest")
    if ingest:
        notes.append(f"Ingest (`legalsearch deploy`, {cluster['vectors']}-side vectors, batch "
                     f"{ingest.get('batch_size', '?')}): {ingest['indexed']} documents in {ingest['seconds']:.1f} s = "
                     f"**{ingest['docs_per_second']:.1f} docs/s**"
                     + (f", {ingest['failed']} failed" if ingest.get("failed") else "") + ".")
    else:
        notes.append("Ingest throughput not recorded: the index was deployed by an older legalsearch; redeploy to "
                     "record it.")
    return notes


def long_texts_note(results: dict) -> str | None:
    """How texts longer than one passage were searched, in words: documents (MaxP, the passage limit) and the
    reported split's queries (the mean of window vectors, BM25 key terms); None for results without the figures."""
    rows = {row["name"]: row["info"] for row in results["rows"]}
    dense, lexical, split = rows.get("fine-tuned", {}), rows.get("bm25", {}), results["split"]
    texts = dense.get("long_texts")
    if not texts:
        return None
    chunking, queries = dense.get("chunking", {}), texts["query_windows"].get(split, [])
    max_windows = dense.get("long_queries", {}).get("max_windows")
    max_terms = lexical.get("long_queries", {}).get("max_terms")
    windowed = [w for w in queries if w > 1]
    words = chunking.get("token_limit")
    parts = [f"Long texts: documents are cut into passages of {words} words (the model reads "
             f"{dense.get('max_seq_length')} tokens) and score as their best passage (MaxP); "
             f"{texts['documents_over_one_passage']} of {texts['documents']} documents have more than one "
             f"(at most {texts['max_passages']})"]
    limit = chunking.get("max_chunk_limit")
    if texts["documents_at_passage_limit"]:
        parts.append(f"{texts['documents_at_passage_limit']} reach the {limit}-passage limit, whose last passage "
                     "(the rest of the text) is read up to the model's window only")
    if windowed:
        spread = f"; {sum(w > max_windows for w in windowed)} have more than {max_windows}, of which {max_windows} " \
                 "evenly spaced are used" if max_windows and max(windowed) > max_windows else ""
        parts.append(f"{len(windowed)} of the {len(queries)} {split} queries are longer than one passage "
                     f"(up to {max(windowed)} windows): the dense side searches the mean of their window vectors{spread}")
    else:
        parts.append(f"every {split} query fits one passage")
    key_terms = lexical.get("key_term_queries", {}).get(split)
    if key_terms:
        parts.append(f"{key_terms} {split} queries have more than {max_terms} analyzed terms: BM25 searches their "
                     f"{max_terms} key terms (query frequency × idf), as the cluster is sent")
    return "; ".join(parts) + "."


def corpus_note(results: dict) -> str | None:
    """Where the fine-tuned row's document vectors came from when not from its own PyTorch pass, else None."""
    source = next((row["info"].get("documents_encoded_by") for row in results["rows"] if row["name"] == "fine-tuned"),
                  None)
    return (f"The fine-tuned row's queries are encoded by PyTorch and its documents' vectors are those of the "
            f"{source}, not a second pass over the corpus." if source else None)


def reused_note(results: dict) -> str | None:
    """The seeds taken from an earlier, interrupted run of the same command (``bench --seeds N`` resumed), else
    None: their figures come from their own files, computed when they finished."""
    reused = results.get("reused_seeds")
    if not reused:
        return None
    return ("- Reused from an earlier run of this command: "
            + "; ".join(f"seed {r['seed']} (`{r['output']}`, finished {r['finished']})" for r in reused))


def render_markdown(results: dict) -> str:
    ds = results["dataset"]
    splits = ", ".join(f"{s} {v['queries']} queries" for s, v in ds["splits"].items())
    hybrid = results["hybrid"]
    tuned = hybrid.get("tuning")
    chosen = hybrid["config"]
    hybrid_line = (f"Hybrid setting chosen on the **{tuned['split']}** split by grid search "
                   f"({len(tuned['grid'])} settings): {chosen['technique']}, weights BM25/dense "
                   f"{chosen['weights'][0]}/{chosen['weights'][1]}." if tuned else
                   "Hybrid setting not tuned (no dev split): defaults used.")
    parts = [
        f"# legalsearch benchmark — {Path(ds['path']).name}",
        "",
        f"- Date: {results['date']}; machine: {results['machine']['cpu']} ({results['machine']['cores']} cores)",
        f"- Command: `{results['command']}`",
        *([reused_note(results)] if reused_note(results) else []),
        f"- Dataset: `{ds['path']}` (sha256 {ds['sha256'][:16]}…), {ds['documents']} documents; {splits}; "
        f"relevant grade for binary metrics: {ds['relevant_grade']}",
        f"- Reported on the **{results['split']}** split; n.s. = the 95% paired-bootstrap interval of the "
        "difference against the base model includes zero.",
        "",
        "## Retrieval quality",
        "",
        *[line for note in regression_notes(results) for line in (note, "")],
        *(["## Across training seeds", "", seeds_markdown(results), "",
           f"## Retrieval quality of the first seed ({results['seeds']['seeds'][0]})", ""]
          if results.get("seeds") else []),
        quality_markdown(results),
        "",
        hybrid_line + (" Hybrid is at least as good as the better single retriever "
                       f"({hybrid['best_single']}): **{'yes' if hybrid['at_least_best_single'] else 'no'}**."
                       + _hybrid_intervals(hybrid)),
        "",
        *([long_texts_note(results), ""] if long_texts_note(results) else []),
        *([corpus_note(results), ""] if corpus_note(results) else []),
        "## Encoder speed",
        "",
        speed_markdown(results),
    ]
    cluster = cluster_markdown(results)
    if cluster:
        parts += ["", "## Through OpenSearch", "", cluster]
        for note in cluster_notes(results):
            parts += ["", note]
    return "\n".join(parts) + "\n"


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def make_plots(results: dict) -> dict[str, str]:
    """Base64 PNGs: metric bars with 95% intervals, per-query NDCG base vs fine-tuned, encoder latency."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise DependencyError("matplotlib", "report") from exc
    plots = {}
    metrics = results["metrics"]
    rows = results["rows"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        names = [r["name"] for r in rows]
        means = [r["metrics"][metric] for r in rows]
        lows = [m - r["ci95"][metric][0] for m, r in zip(means, rows)]
        highs = [r["ci95"][metric][1] - m for m, r in zip(means, rows)]
        ax.barh(names, means, xerr=[lows, highs], color="#4C72B0", capsize=3)
        ax.invert_yaxis()
        ax.set_title(metric)
        ax.set_xlim(0, 1)
    fig.suptitle("Test-split quality (bars: mean, whiskers: 95% bootstrap interval)")
    plots["metrics"] = _figure_png(fig)
    plt.close(fig)

    per_query = results["per_query"]
    if "base" in per_query and "fine-tuned" in per_query:
        base, tuned = per_query["base"][PRIMARY], per_query["fine-tuned"][PRIMARY]
        qids = sorted(set(base) & set(tuned))
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.scatter([base[q] for q in qids], [tuned[q] for q in qids], alpha=0.6, s=18)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
        ax.set_xlabel(f"base {PRIMARY}")
        ax.set_ylabel(f"fine-tuned {PRIMARY}")
        better = sum(tuned[q] > base[q] for q in qids)
        worse = sum(tuned[q] < base[q] for q in qids)
        ax.set_title(f"Per query: {better} better, {worse} worse")
        plots["per_query"] = _figure_png(fig)
        plt.close(fig)

    speed = results.get("speed") or {}
    if speed:
        fig, ax = plt.subplots(figsize=(5.5, 3))
        labels = list(speed)
        ax.bar(labels, [speed[k]["query_latency"]["p50_ms"] for k in labels], color="#55A868", label="p50")
        ax.scatter(labels, [speed[k]["query_latency"]["p99_ms"] for k in labels], color="black", zorder=3,
                   label="p99")
        ax.set_ylabel("query latency, batch 1 (ms)")
        ax.legend()
        plots["latency"] = _figure_png(fig)
        plt.close(fig)
    return plots


def _markdown_table_to_html(table: str) -> str:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    if len(lines) < 2:
        return f"<p>{html.escape(table)}</p>"
    cells = lambda line: [c.strip() for c in line.strip("|").split("|")]
    out = ["<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells(lines[0])) + "</tr></thead>",
           "<tbody>"]
    for line in lines[2:]:
        out.append("<tr>" + "".join(f"<td>{html.escape(c).replace('**', '')}</td>" for c in cells(line)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _inline_html(text: str) -> str:
    """Escape a Markdown sentence and keep its **bold** and `code`."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def render_html(results: dict, plots: dict[str, str]) -> str:
    ds = results["dataset"]
    images = "\n".join(f'<figure><img alt="{name}" src="data:image/png;base64,{data}"></figure>'
                       for name, data in plots.items())
    cluster = cluster_markdown(results)
    if cluster:
        cluster = ("<h2>Through OpenSearch</h2>\n" + _markdown_table_to_html(cluster) + "\n"
                   + "\n".join(f"<p>{_inline_html(note)}</p>" for note in cluster_notes(results)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>legalsearch benchmark — {html.escape(Path(ds['path']).name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; }}
code {{ background: #f4f4f4; padding: 1px 4px; }}
</style></head><body>
<h1>legalsearch benchmark — {html.escape(Path(ds['path']).name)}</h1>
<p>{html.escape(results['date'])} · {html.escape(results['machine']['cpu'])} ({results['machine']['cores']} cores)
· split <b>{html.escape(results['split'])}</b> · {ds['documents']} documents ·
dataset sha256 <code>{ds['sha256'][:16]}…</code></p>
<p>Command: <code>{html.escape(results['command'])}</code></p>
{f"<p>{_inline_html(reused_note(results)[2:])}</p>" if reused_note(results) else ""}
<h2>Retrieval quality</h2>
{"".join(f"<p>{_inline_html(note)}</p>" for note in regression_notes(results))}
{("<h2>Across training seeds</h2>" + _markdown_table_to_html(seeds_markdown(results))) if results.get("seeds") else ""}
{_markdown_table_to_html(quality_markdown(results))}
<p>n.s. = the 95% paired-bootstrap interval of the difference against the base model includes zero.</p>
{images}
<h2>Encoder speed</h2>
{_markdown_table_to_html(speed_markdown(results))}
{cluster}
</body></html>
"""


def write_reports(results: dict, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / "report.md"
    md.write_text(render_markdown(results))
    page = out_dir / "report.html"
    page.write_text(render_html(results, make_plots(results)))
    return {"markdown": md, "html": page}
