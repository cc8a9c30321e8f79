"""Helpers shared by the test tiers (imported as ``_support``; ``tests/`` is on sys.path through conftest)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ARCHITECTURES = ("bert", "mpnet", "xlm-roberta", "modernbert", "distilbert")


def _words(texts: list[str]) -> list[str]:
    return sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})


def _wordpiece_vocab(texts: list[str], special: list[str]) -> list[str]:
    """Every lower-cased word and punctuation mark of ``texts`` plus single characters (and their ``##`` forms)."""
    words = _words(texts)
    chars = sorted({c for w in words for c in w})
    return special + chars + [f"##{c}" for c in chars] + [w for w in words if w not in chars]


def _trained_tokenizer(texts: list[str], kind: str):
    """A small tokenizer trained here with the ``tokenizers`` library, shaped like the real model's.

    ``unigram`` (XLM-RoBERTa's sentencepiece: Metaspace, ``<s> … </s>``, pad id 1) or ``bpe`` (ModernBERT's
    byte-level BPE: ``[CLS] … [SEP]``).
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    if kind == "unigram":
        special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.normalizer = normalizers.NFKC()
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(vocab_size=600, special_tokens=special, unk_token="<unk>")
        tokenizer.train_from_iterator(texts, trainer)
        bos, eos = "<s>", "</s>"
    else:
        special = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
        tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=special,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tokenizer.train_from_iterator(texts, trainer)
        bos, eos = "[CLS]", "[SEP]"
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, tokenizer.token_to_id(bos)), (eos, tokenizer.token_to_id(eos))],
    )
    return tokenizer


def build_tiny_model(out_dir: Path, texts: list[str], hidden: int = 32, seed: int = 0, architecture: str = "bert",
                     pooling: str = "mean", normalize: bool = True, prompts: dict[str, str] | None = None) -> Path:
    """Save a randomly initialised 2-layer sentence-transformer of ``architecture`` to ``out_dir/model``.

    ``architecture`` is one of :data:`ARCHITECTURES`. BERT, DistilBERT and MPNet get a WordPiece vocabulary of every
    lower-cased word and punctuation mark of ``texts`` plus single characters; XLM-RoBERTa a sentencepiece-style
    Unigram and ModernBERT a byte-level BPE tokenizer, both trained on ``texts`` here, so tokenization behaves like
    the real model's on legal text while the model stays a few hundred kilobytes. ``prompts`` go to
    ``config_sentence_transformers.json`` as the model's own prompts (``{"query": "query: ", ...}``).
    """
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer, models

    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    torch.manual_seed(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    hf_dir = out_dir / "hf"
    hf_dir.mkdir(exist_ok=True)
    common = dict(num_hidden_layers=2, num_attention_heads=2, intermediate_size=hidden * 2)
    if architecture in ("bert", "distilbert", "mpnet"):
        special = _SPECIAL if architecture != "mpnet" else ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"]
        vocab = _wordpiece_vocab(texts, special)
        (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        ids = {token: i for i, token in enumerate(vocab)}  # transformers 5's fast WordPiece tokenizers take a dict
        if architecture == "bert":
            tokenizer = transformers.BertTokenizerFast(vocab_file=str(hf_dir / "vocab.txt"), do_lower_case=True,
                                                       model_max_length=128)
            config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=hidden, max_position_embeddings=256,
                                             **common)
            model = transformers.BertModel(config)
        elif architecture == "distilbert":
            tokenizer = transformers.DistilBertTokenizerFast(vocab=ids, do_lower_case=True, model_max_length=128)
            config = transformers.DistilBertConfig(vocab_size=len(vocab), dim=hidden, n_layers=2, n_heads=2,
                                                   hidden_dim=hidden * 2, max_position_embeddings=256)
            model = transformers.DistilBertModel(config)
        else:
            tokenizer = transformers.MPNetTokenizer(vocab=ids, do_lower_case=True, model_max_length=128)
            config = transformers.MPNetConfig(vocab_size=len(vocab), hidden_size=hidden, max_position_embeddings=258,
                                              pad_token_id=1, bos_token_id=0, eos_token_id=2, **common)
            model = transformers.MPNetModel(config)
    elif architecture == "xlm-roberta":
        backend = _trained_tokenizer(texts, "unigram")
        tokenizer = transformers.PreTrainedTokenizerFast(
            tokenizer_object=backend, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
            unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=128)
        config = transformers.XLMRobertaConfig(
            vocab_size=backend.get_vocab_size(), hidden_size=hidden, max_position_embeddings=258, pad_token_id=1,
            bos_token_id=0, eos_token_id=2, **common)
        model = transformers.XLMRobertaModel(config)
    else:  # modernbert
        backend = _trained_tokenizer(texts, "bpe")
        tokenizer = transformers.PreTrainedTokenizerFast(
            tokenizer_object=backend, cls_token="[CLS]", sep_token="[SEP]", unk_token="[UNK]", pad_token="[PAD]",
            mask_token="[MASK]", model_max_length=128)
        ids = {name: backend.token_to_id(name) for name in ("[CLS]", "[SEP]", "[PAD]")}
        config = transformers.ModernBertConfig(
            vocab_size=backend.get_vocab_size(), hidden_size=hidden, num_hidden_layers=3, num_attention_heads=2,
            intermediate_size=hidden * 2, max_position_embeddings=512, pad_token_id=ids["[PAD]"],
            bos_token_id=ids["[CLS]"], cls_token_id=ids["[CLS]"], eos_token_id=ids["[SEP]"],
            sep_token_id=ids["[SEP]"], global_attn_every_n_layers=3, local_attention=16)
        model = transformers.ModernBertModel(config)
    model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=128)
    # sentence-transformers 6 renamed the method (the old name warns); getattr's default would call the old one
    # eagerly, warning on every build
    dimension = (getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension)()
    modules = [transformer, models.Pooling(dimension, pooling_mode=pooling)]
    if normalize:
        modules.append(models.Normalize())
    model = SentenceTransformer(modules=modules, device="cpu", prompts=prompts or None)
    model_dir = out_dir / "model"
    model.save(str(model_dir))
    return model_dir


def shared_dataset(name: str) -> Path:
    """Path of ../shared/datasets/NAME; skipped when absent, but a failure under CI=true (CI must run it)."""
    path = SHARED_DATASETS / name
    if not (path / "corpus.jsonl").is_file():
        message = f"dataset {name} not found at {path} (it lives beside the checkout in shared/datasets)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this test must run")
        pytest.skip(message)
    return path


def require(module: str, extra: str):
    """Import an optional dependency; skipped when absent, but a failure under CI=true (CI installs every extra)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        message = f"{module} is not installed ({exc}); pip install 'legalsearch[{extra}]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this test must run")
        pytest.skip(message, allow_module_level=True)


def corrupt_int8(real_quantize):
    """A quantize_int8 that shuffles the int8 weights and scrambles their scales: a deliberately broken graph.

    (A random tiny BERT's layers add little to its embeddings, so the scales are blown up too, to be sure.)
    """
    def broken(fp32_dir, out_dir, scheme):
        import numpy as np
        import onnx
        from onnx import numpy_helper

        target = real_quantize(fp32_dir, out_dir, scheme)
        model = onnx.load(str(target))
        rng = np.random.default_rng(0)
        for init in model.graph.initializer:
            if init.data_type == onnx.TensorProto.INT8:
                values = numpy_helper.to_array(init).copy()
                rng.shuffle(values.reshape(-1))
                init.CopyFrom(numpy_helper.from_array(values, init.name))
            elif init.name.endswith("_scale") and init.data_type == onnx.TensorProto.FLOAT:
                values = numpy_helper.to_array(init)
                values = (values * rng.uniform(-50, 50, size=values.shape)).astype(np.float32)
                init.CopyFrom(numpy_helper.from_array(values, init.name))
        onnx.save_model(model, str(target))
        return target
    return broken


def fact_description(words: int, seed: int) -> str:
    """A long, legal-sounding query: sample documents' sentences in a seeded order, cut at ``words`` words."""
    import random

    from legalsearch.data import load_dataset, sample_dataset_path

    dataset = load_dataset(sample_dataset_path())
    texts = [doc.full_text for doc in dataset.corpus.values()]
    random.Random(seed).shuffle(texts)
    out: list[str] = []
    while len(out) < words:
        for text in texts:
            out.extend(text.split())
            if len(out) >= words:
                break
    return " ".join(out[:words])
