"""Why server-side int8 vectors differ slightly from offline ones: the same graph on two onnxruntime versions.

ML Commons 3.6 runs ONNX models with its bundled onnxruntime 1.16.3; legalsearch runs 1.32. This script runs one
exported graph on both, one text at a time, and reports (1) the cosine between the two versions' sentence vectors
and (2) the first node whose output differs, by exposing every node output of the graph.

onnxruntime 1.16.3 needs numpy < 2, so it runs in a subprocess from a separate directory that holds both wheels
unpacked (nothing is installed into the environment)::

    pip download onnxruntime==1.16.3 numpy==1.26.4 --no-deps --only-binary=:all: --python-version 3.11 -d /tmp/w
    mkdir /tmp/ort116 && for w in /tmp/w/*.whl; do python -m zipfile -e "$w" /tmp/ort116; done
    python benchmarks/onnxruntime_versions.py EXPORT/int8 --old /tmp/ort116 --texts legalsearch/sample/corpus.jsonl

Measured 2026-12-01 (benchmarks/results/parity/README.md): 60 sample texts, bundled MiniLM int8, per-text cosine
min 0.9955, mean 0.9982 (``benchmarks/results/parity/onnxruntime-versions.json``); the first differing output is the embeddings' fp32 LayerNormalization (by 3e-6), after
which ``DynamicQuantizeLinear`` rounds some activations to the neighbouring integer and the difference grows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

_RUNNER = r'''
import sys, json, numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
graph, tokenizer, texts_file, out = sys.argv[1:5]
tok = Tokenizer.from_file(tokenizer); tok.enable_truncation(256); tok.no_padding()
options = ort.SessionOptions(); options.intra_op_num_threads = 1
session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
inputs = [i.name for i in session.get_inputs()]
names = [o.name for o in session.get_outputs()]
texts = json.load(open(texts_file))
vectors, first = [], None
for n, text in enumerate(texts):
    e = tok.encode(text)
    ids = np.array([e.ids], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    results = session.run(None, {k: v for k, v in feed.items() if k in inputs})
    hidden = results[0][0]
    v = hidden.mean(0); vectors.append(v / np.linalg.norm(v))
    if n == 0:
        first = {name: r for name, r in zip(names, results)}
np.save(out + ".vectors.npy", np.array(vectors))
np.savez(out + ".first.npz", **{f"o{i}": first[name] for i, name in enumerate(names)})
json.dump(names, open(out + ".names.json", "w"))
print(ort.__version__)
'''


def expose_outputs(graph: Path, target: Path) -> None:
    """The graph with every node output added as a graph output (to find where two runtimes part)."""
    import onnx

    model = onnx.load(str(graph))
    existing = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for name in node.output:
            if name and name not in existing:
                model.graph.output.append(onnx.helper.make_value_info(name, onnx.TypeProto()))
                existing.add(name)
    onnx.save(model, str(target))


def read_texts(path: Path, limit: int) -> list[str]:
    texts = []
    for line in path.open(encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            texts.append(" ".join(filter(None, [row.get("title"), row.get("text")])))
        if len(texts) >= limit:
            break
    return texts


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("variant_dir", type=Path, help="an export's int8/ (or fp32/) directory")
    parser.add_argument("--old", type=Path, required=True, help="directory holding onnxruntime 1.16.3 and numpy<2")
    parser.add_argument("--texts", type=Path, required=True, help="a corpus.jsonl to take texts from")
    parser.add_argument("--limit", type=int, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        graph = tmp / "all-outputs.onnx"
        expose_outputs(args.variant_dir / "model.onnx", graph)
        texts_file = tmp / "texts.json"
        texts_file.write_text(json.dumps(read_texts(args.texts, args.limit)))
        runner = tmp / "runner.py"
        runner.write_text(_RUNNER)
        versions = {}
        for label, path in (("new", None), ("old", args.old)):
            env = dict(os.environ)
            if path is not None:
                env["PYTHONPATH"] = str(path)
            done = subprocess.run([sys.executable, str(runner), str(graph), str(args.variant_dir / "tokenizer.json"),
                                   str(texts_file), str(tmp / label)], env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"{label} runtime failed:\n{done.stderr[-2000:]}")
            versions[label] = done.stdout.strip().splitlines()[-1]
        new, old = np.load(tmp / "new.vectors.npy"), np.load(tmp / "old.vectors.npy")
        cosine = (new * old).sum(axis=1)
        names = json.loads((tmp / "new.names.json").read_text())
        a, b = np.load(tmp / "new.first.npz"), np.load(tmp / "old.first.npz")
        first_difference = None
        for i, name in enumerate(names[1:], start=1):  # output 0 is the model's own output
            x, y = a[f"o{i}"], b[f"o{i}"]
            if x.shape == y.shape and x.size and np.abs(x.astype(float) - y.astype(float)).max() > 0:
                first_difference = {"output": name, "max_abs_difference": float(np.abs(x.astype(float) - y.astype(float)).max())}
                break
    result = {"versions": versions, "texts": len(cosine), "cosine_min": float(cosine.min()),
              "cosine_mean": float(cosine.mean()), "first_difference": first_difference}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
