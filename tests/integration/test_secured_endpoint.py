"""TLS, basic auth and SigV4 against a real secured endpoint: nginx with generated certificates in front of the node.

Each command runs as its own process (``python -m legalsearch ...``), as a user runs it, and every output it makes
(stdout, stderr with ``-vv`` logs, the deploy's JSON, state and failures files) is searched for the password, the
``user:password`` token and every ``Authorization`` value the proxy saw: none may appear. See
:mod:`_secure_proxy` for why this is nginx and not the OpenSearch security plugin.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from legalsearch.plugin.connection import connect, resolve_settings
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.testing import FakeEncoder

from _secure_proxy import ProxyUnavailable, start_proxy

pytestmark = pytest.mark.opensearch

AWS_KEY_ID = "AKIALEGALSEARCHTEST1"
AWS_SECRET = "aws-secret-" + secrets.token_hex(16)
CONNECTION_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LEGALSEARCH_OPENSEARCH_URL", "LEGALSEARCH_OPENSEARCH_USER", "LEGALSEARCH_OPENSEARCH_PASSWORD",
                  "LEGALSEARCH_OPENSEARCH_CONFIG", "LEGALSEARCH_OPENSEARCH_INSECURE", "AWS_PROFILE",
                  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"secured endpoint unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"secured endpoint unavailable: {reason}")


@pytest.fixture(scope="module")
def proxy(opensearch_url, tmp_path_factory):
    if not opensearch_url.startswith("http://"):
        _unavailable(f"the proxy fronts a plain-HTTP node; {opensearch_url} is not one")
    try:
        endpoint = start_proxy(tmp_path_factory.mktemp("secured-endpoint"), opensearch_url)
    except ProxyUnavailable as error:
        _unavailable(str(error))
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def alias(opensearch_url, tmp_path_factory):
    """A small client-vector deployment (made directly on the node) that the commands below search."""
    from legalsearch.data import sample_dataset_path

    name = f"sec-{uuid.uuid4().hex[:8]}"
    lines = (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    folder = tmp_path_factory.mktemp("sec-corpus")
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cluster = connect(resolve_settings(url=opensearch_url))
    deploy(cluster, folder / "corpus.jsonl", DeployOptions(alias=name, vectors="client", progress=False,
                                                            state_dir=folder / "state"),
           encoder=FakeEncoder(dimension=16))
    yield name
    undeploy_everything(cluster, name)


class Outputs:
    """Every output of the commands a test ran, to be searched for secrets at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.texts: list[tuple[str, str]] = []

    def run(self, *args: str, env: dict[str, str] | None = None, verbose: bool = True) -> subprocess.CompletedProcess:
        base = {k: v for k, v in os.environ.items() if k not in CONNECTION_ENV}
        base.update(XDG_CACHE_HOME=str(self.folder / "cache"), HOME=str(self.folder / "home"),
                    AWS_CONFIG_FILE=str(self.folder / "no-aws-config"),
                    AWS_SHARED_CREDENTIALS_FILE=str(self.folder / "no-aws-credentials"),
                    AWS_EC2_METADATA_DISABLED="true", PYTHONWARNINGS="default")
        base.update(env or {})
        command = [sys.executable, "-m", "legalsearch", *(["-vv"] if verbose else []), *args]
        result = subprocess.run(command, capture_output=True, text=True, env=base, timeout=600,
                                cwd=self.folder)
        self.texts += [(f"stdout of {args[0]}", result.stdout), (f"stderr of {args[0]}", result.stderr)]
        return result

    def assert_no_secret(self, secrets_: set[str]) -> None:
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                self.texts.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
        assert self.texts
        for where, text in self.texts:
            for secret in secrets_:
                assert secret not in text, f"a secret ({secret[:4]}…) appears in {where}"


@pytest.fixture
def outputs(tmp_path, proxy):
    out = Outputs(tmp_path / "run")
    out.folder.mkdir()
    yield out
    out.assert_no_secret(_secrets(proxy))


def _secrets(proxy) -> set[str]:
    values = proxy.authorization_values()
    for value in list(values):
        signature = re.search(r"Signature=([0-9a-f]{16,})", value)
        if signature:
            values.add(signature.group(1))
    return values | {proxy.password, AWS_SECRET}


def _creds(proxy, password: str | None = None) -> dict[str, str]:
    return {"LEGALSEARCH_OPENSEARCH_USER": proxy.user, "LEGALSEARCH_OPENSEARCH_PASSWORD": password or proxy.password}


def _error_text(result: subprocess.CompletedProcess) -> str:
    """The error a user sees at the default level: exit 1, no traceback, at most two lines (what, then what to do)."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Error:")]
    assert len(starts) == 1, result.stderr
    message = [line for line in lines[starts[0]:] if line.strip()]
    assert len(message) <= 2, result.stderr
    return "\n".join(message)


def _search(outputs, url, alias, *extra, env=None, verbose=None):
    """Run `legalsearch search`. With ``verbose`` None it runs twice: at -vv (its outputs join the secrets search,
    tracebacks included, which -vv prints on purpose) and at the default level, whose result is returned."""
    args = ("search", "summary judgment", "--mode", "bm25", "--index", alias, "--url", url, "--json", *extra)
    if verbose is None:
        loud = outputs.run(*args, env=env, verbose=True)
        quiet = outputs.run(*args, env=env, verbose=False)
        assert loud.returncode == quiet.returncode, (loud.stderr, quiet.stderr)
        return quiet
    return outputs.run(*args, env=env, verbose=verbose)


# -- TLS ---------------------------------------------------------------------------------------------------------
def test_untrusted_certificate_fails_by_default_and_names_ca_certs(proxy, alias, outputs):
    before = len(proxy.access_lines())
    error = _error_text(_search(outputs, proxy.basic_url, alias, env=_creds(proxy)))
    assert "--ca-certs" in error, error
    assert "certificate verify failed" in error or "self-signed" in error or "CERTIFICATE" in error.upper(), error
    assert proxy.access_lines(before) == []  # the handshake failed: no request (and no credentials) was sent


def test_ca_certs_verifies_the_certificate_and_basic_auth_passes(proxy, alias, outputs):
    before = len(proxy.access_lines())
    result = _search(outputs, proxy.basic_url, alias, "--ca-certs", str(proxy.ca), env=_creds(proxy))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"], result.stdout
    seen = proxy.access_lines(before)
    assert seen and all(" 200 scheme=Basic " in line for line in seen), seen


def test_credentials_from_a_config_file_or_the_url_work_and_never_show(proxy, alias, outputs):
    config = outputs.folder / "opensearch.toml"
    config.write_text(f'[opensearch]\nuser = "{proxy.user}"\npassword = "{proxy.password}"\n'
                      f'ca_certs = "{proxy.ca}"\n', encoding="utf-8")
    config.chmod(0o600)
    by_file = _search(outputs, proxy.basic_url, alias, "--config", str(config))
    assert by_file.returncode == 0, by_file.stderr
    host = proxy.basic_url.split("://", 1)[1]
    in_url = f"https://{proxy.user}:{proxy.password}@{host}"
    by_url = _search(outputs, in_url, alias, "--ca-certs", str(proxy.ca))
    assert by_url.returncode == 0, by_url.stderr
    config.unlink()  # the one file that holds the password on purpose; every other output is searched


def test_hostname_mismatch_fails_even_with_the_right_ca(proxy, alias, outputs):
    error = _error_text(_search(outputs, proxy.wrong_host_url, alias, "--ca-certs", str(proxy.ca),
                                env=_creds(proxy)))
    assert "mismatch" in error.lower() or "not valid for" in error, error


def test_insecure_skips_verification_and_warns_exactly_once(proxy, alias, outputs):
    result = _search(outputs, proxy.wrong_host_url, alias, "--insecure", env=_creds(proxy), verbose=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"]
    warnings = [line for line in result.stderr.splitlines() if re.search(r"insecure|verif", line, re.I)]
    assert len(warnings) == 1, result.stderr  # several requests were made; the warning is not repeated per request
    assert "verification is OFF" in warnings[0], warnings


# -- authentication ----------------------------------------------------------------------------------------------
def test_wrong_password_gives_a_clear_authentication_error(proxy, alias, outputs):
    wrong = "Wrong-" + secrets.token_hex(8)
    error = _error_text(_search(outputs, proxy.basic_url, alias, "--ca-certs", str(proxy.ca),
                                env=_creds(proxy, wrong)))
    assert "401" in error and "LEGALSEARCH_OPENSEARCH_PASSWORD" in error, error
    for where, text in outputs.texts:
        assert wrong not in text, f"the wrong password appears in {where}"


def test_no_credentials_against_a_secured_cluster_is_a_401_not_a_crash(proxy, alias, outputs):
    error = _error_text(_search(outputs, proxy.basic_url, alias, "--ca-certs", str(proxy.ca)))
    assert "401" in error, error


# -- SigV4 -------------------------------------------------------------------------------------------------------
# requests lets REQUESTS_CA_BUNDLE override the session's CA; --ca-certs must win (common on corporate machines)
@pytest.mark.parametrize("ca_bundle_env", [False, True], ids=["plain-env", "REQUESTS_CA_BUNDLE-set"])
def test_sigv4_signs_every_request_when_asked(proxy, alias, outputs, ca_bundle_env):
    try:
        import boto3  # noqa: F401
    except ImportError:
        _unavailable("SigV4 needs boto3: pip install 'legalsearch[aws]'")
    before = len(proxy.access_lines())
    aws = {"AWS_ACCESS_KEY_ID": AWS_KEY_ID, "AWS_SECRET_ACCESS_KEY": AWS_SECRET}
    if ca_bundle_env:  # a machine-wide CA bundle that does not hold the cluster's CA
        import certifi

        aws["REQUESTS_CA_BUNDLE"] = certifi.where()
    result = _search(outputs, proxy.sigv4_url, alias, "--ca-certs", str(proxy.ca), "--aws-region", "eu-west-1",
                     env=aws, verbose=False)  # -vv: test_sigv4_at_vv_logs_no_signature
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"]
    seen = [line for line in proxy.access_lines(before) if line.startswith(proxy.sigv4_url.rsplit(":", 1)[1])]
    assert len(seen) >= 2, seen  # cluster info, mapping, search: each one signed
    for line in seen:
        fields = dict(part.split("=", 1) for part in line.split()[4:])
        assert line.split()[3] == "200", line
        assert fields["scheme"] == "AWS4-HMAC-SHA256", line
        assert re.fullmatch(r"\d{8}T\d{6}Z", fields["amz_date"]), line
        assert fields["scope"] == f"{fields['amz_date'][:8]}/eu-west-1/es/aws4_request", line
        assert {"host", "x-amz-date"} <= set(fields["signed"].split(";")), line
        assert re.fullmatch(r"[0-9a-f]{64}", fields["amz_sha256"]), line  # the payload hash is signed too
    assert any("Credential=" + AWS_KEY_ID in value for value in proxy.authorization_values())


# at -vv botocore.auth would log each request's SigV4 signature (DEBUG 'Signature: <hex>')
def test_sigv4_at_vv_logs_no_signature(proxy, alias, tmp_path):
    try:
        import boto3  # noqa: F401
    except ImportError:
        _unavailable("SigV4 needs boto3: pip install 'legalsearch[aws]'")
    out = Outputs(tmp_path / "vv")
    out.folder.mkdir()
    result = _search(out, proxy.sigv4_url, alias, "--ca-certs", str(proxy.ca), "--aws-region", "eu-west-1",
                     env={"AWS_ACCESS_KEY_ID": AWS_KEY_ID, "AWS_SECRET_ACCESS_KEY": AWS_SECRET}, verbose=True)
    assert result.returncode == 0, result.stderr
    out.assert_no_secret(_secrets(proxy))


def test_unsigned_request_to_a_sigv4_endpoint_is_refused_clearly(proxy, alias, outputs):
    error = _error_text(_search(outputs, proxy.sigv4_url, alias, "--ca-certs", str(proxy.ca)))
    assert "403" in error, error


# -- a whole deploy through the proxy at -vv ----------------------------------------------------------------------
def test_verbose_deploy_through_the_secured_endpoint_writes_no_secret(proxy, opensearch_url, tiny_model_dir, outputs):
    from legalsearch.data import sample_dataset_path

    lines = (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    corpus = outputs.folder / "corpus.jsonl"
    corpus.write_text("\n".join(lines + ['{"_id": "broken", "text": '] ) + "\n", encoding="utf-8")
    name = f"secdeploy-{uuid.uuid4().hex[:8]}"
    try:
        result = outputs.run(
            "deploy", str(corpus), "--export", str(tiny_model_dir), "--vectors", "client", "--index", name,
            "--url", proxy.basic_url, "--ca-certs", str(proxy.ca), "--state-dir", str(outputs.folder / "state"),
            "--failures", str(outputs.folder / "failures.jsonl"), "--skip-invalid", "--max-failed", "1", "--json",
            "--quiet", env=_creds(proxy),
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert (report["ingest"]["read"], report["ingest"]["indexed"], report["ingest"]["failed"]) == (13, 12, 1)
        assert "DEBUG" in result.stderr  # -vv really logged (urllib3 / opensearch-py requests)
        assert (outputs.folder / "failures.jsonl").read_text().count("\n") == 1
    finally:
        undeploy_everything(connect(resolve_settings(url=opensearch_url)), name)


def test_verbose_bench_through_the_secured_endpoint_writes_no_secret(proxy, opensearch_url, tiny_model_dir,
                                                                     outputs):
    """`bench --url` writes results.json and reports: none of them, nor its -vv logs, holds a secret."""
    from legalsearch.data import sample_dataset_path
    from legalsearch.encoders import load_encoder

    name = f"secbench-{uuid.uuid4().hex[:8]}"
    cluster = connect(resolve_settings(url=opensearch_url))
    try:
        deploy(cluster, sample_dataset_path(), DeployOptions(alias=name, vectors="client", export_dir=tiny_model_dir,
                                                             progress=False, state_dir=outputs.folder / "state"),
               encoder=load_encoder(tiny_model_dir))
        result = outputs.run(
            "bench", "-d", "sample", "-m", str(tiny_model_dir), "--base", str(tiny_model_dir), "--no-onnx",
            "--no-speed", "--bootstrap", "100", "--url", proxy.basic_url, "--ca-certs", str(proxy.ca),
            "--index", name, "-o", str(outputs.folder / "bench"), env=_creds(proxy),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        written = {path.name for path in (outputs.folder / "bench").iterdir()}
        assert {"results.json", "report.md"} <= written, written
        assert proxy.basic_url.rsplit(":", 1)[1] in " ".join(proxy.access_lines())
    finally:
        undeploy_everything(cluster, name)
