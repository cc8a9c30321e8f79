"""Connection settings, secrets hygiene, error mapping and version/plugin checks (fake transport, no server)."""

from __future__ import annotations

import logging

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import HTTP_EXCEPTIONS, SSLError, TransportError

from legalsearch.errors import (
    AuthenticationError,
    ConnectionFailedError,
    MissingPluginError,
    OpenSearchError,
    VersionError,
)
from legalsearch.plugin.connection import (
    FEATURES,
    Cluster,
    build_client,
    map_exception,
    parse_version,
    redact_url,
    resolve_settings,
)
from legalsearch.plugin.testing import FakeOpenSearch

SECRET = "s3cr3t-Pa55w0rd"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("LEGALSEARCH_OPENSEARCH_URL", "LEGALSEARCH_OPENSEARCH_USER", "LEGALSEARCH_OPENSEARCH_PASSWORD",
                 "LEGALSEARCH_OPENSEARCH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no user config file leaks in


def test_precedence_option_over_env_over_file(monkeypatch, tmp_path):
    cfg = tmp_path / "os.toml"
    cfg.write_text('[opensearch]\nurl = "https://file:9200"\nuser = "fileuser"\npassword = "filepass"\n')
    s = resolve_settings(config_file=cfg)
    assert (s.url, s.username, s.password) == ("https://file:9200", "fileuser", "filepass")
    monkeypatch.setenv("LEGALSEARCH_OPENSEARCH_USER", "envuser")
    monkeypatch.setenv("LEGALSEARCH_OPENSEARCH_PASSWORD", "envpass")
    s = resolve_settings(config_file=cfg)
    assert (s.username, s.password) == ("envuser", "envpass")
    s = resolve_settings(url="http://opt:9200", username="optuser", password="optpass", config_file=cfg)
    assert (s.url, s.username, s.password) == ("http://opt:9200", "optuser", "optpass")


def test_missing_explicit_config_file_is_an_error(tmp_path):
    with pytest.raises(OpenSearchError, match="not found"):
        resolve_settings(config_file=tmp_path / "nope.toml")


def test_userinfo_in_url_moves_out_and_is_never_shown():
    s = resolve_settings(url=f"https://admin:{SECRET}@search.example:9200")
    assert s.username == "admin" and s.password == SECRET
    assert SECRET not in s.url and SECRET not in repr(s) and SECRET not in s.display_url
    assert redact_url(f"http://u:{SECRET}@h:1/x") == "http://h:1/x"


def test_password_never_in_repr_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    s = resolve_settings(url="https://localhost:9200", username="admin", password=SECRET, insecure=True)
    build_client(s)
    assert SECRET not in repr(s) and SECRET not in str(s)
    assert SECRET not in caplog.text
    assert "verification is OFF" in caplog.text


def test_tls_verification_on_by_default():
    client = build_client(resolve_settings(url="https://localhost:9200"))
    conn = client.transport.connection_pool.connections[0]
    import ssl

    assert conn.pool.cert_reqs in ("CERT_REQUIRED", ssl.CERT_REQUIRED)


def test_bad_url_and_password_without_user():
    with pytest.raises(ConnectionFailedError, match="not an http"):
        resolve_settings(url="localhost:9200")
    with pytest.raises(AuthenticationError, match="without a user"):
        resolve_settings(url="http://h:9200", password=SECRET)


def _http(status, err_type="x", reason="y"):
    info = {"error": {"root_cause": [{"type": err_type, "reason": reason}], "type": err_type, "reason": reason}}
    return HTTP_EXCEPTIONS.get(status, TransportError)(status, err_type, info)


@pytest.mark.parametrize(
    "exc, expected_type, text",
    [
        (_http(401, "security_exception", "missing authentication credentials"), AuthenticationError, "401"),
        (_http(403, "security_exception", "no permissions for [indices:admin/create]"), AuthenticationError,
         "no permissions for [indices:admin/create]"),
        (_http(400, "mapper_parsing_exception", "unknown parameter [space_type]"), OpenSearchError,
         "mapper_parsing_exception: unknown parameter [space_type]"),
        (_http(400, "illegal_argument_exception", "no handler found for uri [/_plugins/_ml/x]"), MissingPluginError,
         "no handler found"),
        (OSConnectionError("N/A", "refused", None), ConnectionFailedError, "cannot reach"),
        (SSLError("N/A", "CERTIFICATE_VERIFY_FAILED", None), ConnectionFailedError, "--ca-certs"),
    ],
)
def test_error_mapping_shows_root_cause(exc, expected_type, text):
    mapped = map_exception(exc, "creating index x", "https://h:9200")
    assert isinstance(mapped, expected_type)
    assert text in str(mapped)


def test_request_maps_and_ignores():
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    assert cluster.request("GET", "/_alias/nothing", ignore=(404,)) is None
    with pytest.raises(OpenSearchError) as info:
        cluster.request("GET", "/_alias/nothing", what="reading alias")
    assert info.value.status == 404 and "alias [nothing] missing" in str(info.value)


def test_401_from_cluster_is_authentication_error_without_secret():
    fake = FakeOpenSearch(before=lambda call: _http(401, "security_exception", "Unauthorized"))
    with pytest.raises(AuthenticationError) as info:
        Cluster(fake, display_url="https://h:9200").info()
    assert SECRET not in str(info.value)
    assert "LEGALSEARCH_OPENSEARCH_USER" in str(info.value)


@pytest.mark.parametrize("text, expected", [("2.19.1", (2, 19, 1)), ("3.0.0-SNAPSHOT", (3, 0, 0)), ("2.13", (2, 13, 0))])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    "version, feature, minimum",
    [
        ("2.18.0", "score-ranker-processor (RRF)", "2.19.0"),
        ("2.12.0", "text_chunking ingest processor", "2.13.0"),
        ("2.11.1", "nested knn_vector passages (score_mode max)", "2.12.0"),
        ("2.9.0", "hybrid query with normalization-processor", "2.10.0"),
        ("3.0.0", "weights in score-ranker-processor (RRF)", "3.1.0"),
    ],
)
def test_version_error_names_feature_and_minimum(version, feature, minimum):
    cluster = Cluster(FakeOpenSearch(version=version), display_url="http://h:9200")
    with pytest.raises(VersionError) as info:
        cluster.require(feature)
    assert feature in str(info.value) and minimum in str(info.value) and version in str(info.value)


def test_every_feature_passes_on_a_new_cluster():
    Cluster(FakeOpenSearch(version="3.1.0")).require(*FEATURES)


def test_missing_plugin_is_named():
    cluster = Cluster(FakeOpenSearch(plugins=("opensearch-knn",)))
    with pytest.raises(MissingPluginError, match="opensearch-neural-search"):
        cluster.require("hybrid query with normalization-processor")


def test_not_opensearch_is_rejected():
    fake = FakeOpenSearch()
    fake._info = lambda body, params: {"version": {"number": "8.1.0"}, "tagline": "You Know, for Search"}
    with pytest.raises(VersionError, match="not OpenSearch"):
        Cluster(fake).info()


def test_sigv4_uses_opensearch_py_signer_and_serverless_skips_checks(monkeypatch):
    import boto3
    from botocore.credentials import Credentials
    from opensearchpy import AWSV4SignerAuth

    from legalsearch.plugin.connection import connect

    monkeypatch.setattr(boto3.Session, "get_credentials", lambda self: Credentials("AKIDEXAMPLE", SECRET))
    settings = resolve_settings(url="https://search.example", aws_region="eu-west-1", aws_service="aoss")
    client = build_client(settings)
    auth = client.transport.connection_pool.connections[0].session.auth
    assert isinstance(auth, AWSV4SignerAuth) and SECRET not in repr(settings)
    cluster = connect(settings)  # no request: Serverless has no GET / or _cat/plugins
    assert cluster.serverless
    cluster.require(*FEATURES)


def test_missing_aws_credentials(monkeypatch):
    import boto3

    monkeypatch.setattr(boto3.Session, "get_credentials", lambda self: None)
    with pytest.raises(AuthenticationError, match="no AWS credentials"):
        build_client(resolve_settings(url="https://search.example", aws_region="eu-west-1"))
