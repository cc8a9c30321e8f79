"""Where mining, evaluation and training encode: CUDA when PyTorch sees a GPU (one per process under torchrun),
else the CPU, unless LEGALSEARCH_DEVICE says otherwise. No GPU here: CUDA's presence is simulated."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "env, cuda, expected",
    [
        ({}, False, "cpu"),
        ({}, True, "cuda"),
        ({"WORLD_SIZE": "2", "LOCAL_RANK": "1"}, True, "cuda:1"),  # torchrun: one GPU per process
        ({"WORLD_SIZE": "2", "LOCAL_RANK": "1"}, False, "cpu"),
        ({"LEGALSEARCH_DEVICE": "cuda:3", "WORLD_SIZE": "2", "LOCAL_RANK": "1"}, True, "cuda:3"),
        ({"LEGALSEARCH_DEVICE": "cpu"}, True, "cpu"),
    ],
)
def test_mining_and_training_encode_on_the_gpu_when_there_is_one(monkeypatch, env, cuda, expected):
    import torch

    from legalsearch.encoders import default_device

    for name in ("LEGALSEARCH_DEVICE", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert default_device() == expected


def test_mining_loads_its_encoder_on_the_gpu_when_there_is_one(monkeypatch, tiny_model_dir):
    """`legalsearch mine` gets its encoder from load_encoder; with CUDA present the model is put on it."""
    import sentence_transformers
    import torch

    from legalsearch.encoders import load_encoder

    real, devices = sentence_transformers.SentenceTransformer, []

    def recording(name, device=None, **kwargs):
        devices.append(device)
        return real(name, device="cpu", **kwargs)  # no GPU here: load it on the CPU after noting the choice

    for name in ("LEGALSEARCH_DEVICE", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", recording)
    encoder = load_encoder(str(tiny_model_dir))
    assert devices == ["cuda"]
    assert encoder.encode_queries(["indemnification cap"]).shape[0] == 1
