"""The one hybrid setting: validation by OpenSearch's rules, normal forms, hybrid.json written by bench and read by
deploy, and the weights parser that eval and deploy share."""

from __future__ import annotations

import json

import pytest

from legalsearch.errors import DataError
from legalsearch.hybrid import HybridConfig, parse_weights


@pytest.mark.parametrize(
    "data, message",
    [
        ({"weights": [0.3, 0.6]}, "sum to 1"),
        ({"weights": [1.3, -0.3]}, r"in \[0, 1\]"),
        ({"weights": [1.0]}, "two numbers"),
        ({"weights": "0.3,0.7"}, "a list"),
        ({"weights": [0.5, "x"]}, "two numbers"),
        ({"technique": "z"}, "technique 'z' is not one of min_max, l2, rrf"),
        ({"combination": "median"}, "combination 'median' is not one of"),
        ({"technique": "rrf", "rank_constant": 0}, "rank_constant"),
        ({"technique": "rrf", "rank_constant": "sixty"}, "rank_constant"),
        ({"bogus": 1}, "unknown hybrid setting"),
    ],
)
def test_rejects_what_opensearch_would(data, message):
    with pytest.raises(DataError, match=message):
        HybridConfig.from_dict(data)


@pytest.mark.parametrize(
    "a, b",
    [
        (HybridConfig(weights=[0.3, 0.7]), HybridConfig("min_max", (0.3, 0.7), "arithmetic_mean", 60)),
        # RRF has one combination: what another technique left there (old deploy _meta) is dropped
        (HybridConfig("rrf", combination="arithmetic_mean"), HybridConfig("rrf", combination="rrf")),
        (HybridConfig.from_dict({"technique": "l2", "combination": "rrf"}), HybridConfig("l2")),
    ],
)
def test_equal_settings_compare_equal_however_written(a, b):
    assert a == b and a.to_dict() == b.to_dict()


def test_hybrid_json_written_by_bench_is_read_back_by_deploy(tmp_path):
    tuned = HybridConfig("rrf", (0.6, 0.4), rank_constant=40)
    path = tuned.save(tmp_path / "hybrid.json")
    assert json.loads(path.read_text()) == {"technique": "rrf", "weights": [0.6, 0.4], "combination": "rrf",
                                            "rank_constant": 40}
    assert HybridConfig.from_file(path) == tuned
    path.write_text('{"technique": "min_max", "combination": "arithmetic_mean", "weights": [0.4, 0.6], '
                    '"rank_constant": 60, "comment": "tuned on dev"}')
    assert HybridConfig.from_file(path).weights == (0.4, 0.6)


@pytest.mark.parametrize("text, message", [("{nope", "hybrid.json:1: not valid JSON"),
                                           ("[0.3, 0.7]", "must be a JSON object"),
                                           ('{"weights": [0.2, 0.2]}', "hybrid.json: hybrid weights must sum")])
def test_bad_file_names_itself(tmp_path, text, message):
    path = tmp_path / "hybrid.json"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        HybridConfig.from_file(path)
    with pytest.raises(DataError, match="not found"):
        HybridConfig.from_file(tmp_path / "missing.json")


def test_command_line_overrides_apply_on_top_of_the_file():
    tuned = HybridConfig("rrf", (0.6, 0.4), rank_constant=40)
    assert tuned.with_overrides() == tuned
    assert tuned.with_overrides(weights=(0.2, 0.8)) == HybridConfig("rrf", (0.2, 0.8), rank_constant=40)
    assert tuned.with_overrides("min_max").combination == "arithmetic_mean"
    with pytest.raises(DataError, match="sum to 1"):
        tuned.with_overrides(weights=(0.2, 0.2))


@pytest.mark.parametrize("text, ok", [("0.3,0.7", (0.3, 0.7)), ("0.5, 0.5", (0.5, 0.5)), ("1,0", (1.0, 0.0))])
def test_parse_weights(text, ok):
    assert parse_weights(text) == ok


@pytest.mark.parametrize("text", ["0.3", "0.3,0.3", "a,b", "0.2,0.3,0.5"])
def test_parse_weights_rejects(text):
    with pytest.raises(DataError):
        parse_weights(text)


def test_one_definition_everywhere():
    """Offline fusion, bench tuning and the pipelines all use this class; nothing else defines one."""
    from legalsearch import comparison, retrieval
    from legalsearch.bench import offline as bench
    from legalsearch.plugin import deploy, pipelines

    for module in (retrieval, bench, comparison, pipelines, deploy):
        assert module.HybridConfig is HybridConfig, module.__name__
