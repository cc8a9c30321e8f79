"""What a newcomer sees when the cluster is not there or is not what they think: real endpoints on loopback.

Each case runs the real ``legalsearch`` command in a subprocess (so logging, warnings and click's output are what a
user's terminal shows) against a real socket: a closed port, a port that accepts and never answers, a plain HTTP
server that is not OpenSearch, a TLS server with a self-signed certificate, and a server that answers like a secured
cluster refusing credentials. Without ``-v`` each error is at most two lines, has no traceback, and names the next
step. The real node's 404 is in tests/integration/test_cli_errors_node.py.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from cli_support import assert_short_and_helpful, free_port, run_cli


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b"<html>not a search engine</html>"
    content_type = "text/html"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # keep the test output clean
        pass


def serve(handler: type, tls_context: ssl.SSLContext | None = None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def search_against(handler: type, home: Path, *options: str) -> subprocess.CompletedProcess:
    """`legalsearch search` against a server answering with ``handler``, for the time of one command."""
    server = serve(handler)
    try:
        return run_cli("search", "x", "--url", f"http://127.0.0.1:{server.server_address[1]}", *options, home=home)
    finally:
        server.shutdown()


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path


@pytest.fixture
def plain_http_server():
    server = serve(_Handler)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(self_signed):
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = serve(_Handler, context)
    yield server.server_address[1]
    server.shutdown()


def test_closed_port_says_how_to_start_a_node(home):
    result = run_cli("search", "x", "--url", f"http://127.0.0.1:{free_port()}", home=home)
    assert_short_and_helpful(result, "nothing is listening", "docker compose up -d", "scripts/opensearch-node start")


def test_unknown_host_names_the_host(home):
    # .invalid never resolves (RFC 2606), with or without a network
    result = run_cli("search", "x", "--url", "http://no-such-cluster.invalid:9200", home=home)
    assert_short_and_helpful(result, "cannot resolve the host 'no-such-cluster.invalid'", "--url")


def test_a_port_that_never_answers_times_out_with_a_next_step(home):
    with socket.socket() as listener:  # accepts connections into its backlog, never reads or answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        config = home / "opensearch.toml"
        config.write_text(f'[opensearch]\nurl = "http://127.0.0.1:{listener.getsockname()[1]}"\ntimeout = 1\n')
        result = run_cli("search", "x", "--config", str(config), home=home)
    assert_short_and_helpful(result, "did not answer in time", "timeout")


def test_a_web_server_that_is_not_opensearch(home, plain_http_server):
    result = run_cli("search", "x", "--url", plain_http_server, home=home)
    assert_short_and_helpful(result, "not with OpenSearch's JSON", "REST endpoint")


def test_a_web_server_answering_404_at_its_root(home):
    class NotFound(_Handler):
        status = 404

    result = search_against(NotFound, home)
    assert_short_and_helpful(result, "is not OpenSearch", "REST endpoint")


def test_https_against_a_plain_http_port_says_use_http(home, plain_http_server):
    https_url = plain_http_server.replace("http://", "https://")
    result = run_cli("search", "x", "--url", https_url, home=home)
    assert_short_and_helpful(result, "does not speak TLS", "--url http://127.0.0.1:")
    assert "--ca-certs" not in result.stdout + result.stderr  # the cause is the scheme, not a certificate


def test_untrusted_certificate_names_ca_certs_and_ca_certs_gets_past_it(home, tls_server, self_signed):
    result = run_cli("search", "x", "--url", f"https://localhost:{tls_server}", home=home)
    assert_short_and_helpful(result, "not trusted", "--ca-certs")
    trusted = run_cli("search", "x", "--url", f"https://localhost:{tls_server}", "--ca-certs",
                      str(self_signed[0]), home=home)
    # TLS is now fine; what is left is that this server is not OpenSearch
    assert_short_and_helpful(trusted, "not with OpenSearch's JSON")


def test_certificate_for_another_host_says_so(home, tls_server, self_signed):
    result = run_cli("search", "x", "--url", f"https://127.0.0.1:{tls_server}", "--ca-certs", str(self_signed[0]),
                     home=home)
    assert_short_and_helpful(result, "not valid for the host '127.0.0.1'")


def test_http_against_a_tls_port_suggests_https(home, tls_server):
    result = run_cli("search", "x", "--url", f"http://127.0.0.1:{tls_server}", home=home)
    assert_short_and_helpful(result, "https://127.0.0.1:")


def test_refused_credentials_name_user_and_password_settings(home):
    class Refusing(_Handler):  # what the security plugin answers to a wrong password
        status = 401
        content_type = "application/json"
        body = json.dumps({"error": {"root_cause": [{"type": "security_exception", "reason": "Unauthorized"}],
                                     "type": "security_exception", "reason": "Unauthorized"}, "status": 401}).encode()

    result = search_against(Refusing, home, "--user", "admin", "--password", "not-the-password")
    assert_short_and_helpful(result, "refused the credentials (401)", "--user")
    assert "not-the-password" not in result.stdout + result.stderr


def test_forbidden_names_the_permission_list(home):
    class Forbidding(_Handler):
        status = 403
        content_type = "application/json"
        body = json.dumps({"error": {"root_cause": [{"type": "security_exception",
                                                     "reason": "no permissions for [cluster:monitor/main]"}],
                                     "type": "security_exception", "reason": "no permissions"}, "status": 403}).encode()

    result = search_against(Forbidding, home)
    assert_short_and_helpful(result, "no permission", "cluster:monitor/main")


def test_verbose_shows_the_library_lines_and_vv_the_traceback(home):
    port = free_port()
    quiet = run_cli("search", "x", "--url", f"http://127.0.0.1:{port}", home=home)
    assert "WARNING" not in quiet.stderr
    verbose = run_cli("-v", "search", "x", "--url", f"http://127.0.0.1:{port}", home=home)
    assert "WARNING opensearch" in verbose.stderr and "Traceback" not in verbose.stderr
    debug = run_cli("-vv", "search", "x", "--url", f"http://127.0.0.1:{port}", home=home)
    assert "Traceback" in debug.stderr


def test_deploy_checks_its_export_before_the_cluster(home):
    empty_export = home / "export"
    empty_export.mkdir()
    # the URL is a closed port: had deploy connected first, the error would be about the cluster
    result = run_cli("deploy", "sample", "--export", str(empty_export), "--url", f"http://127.0.0.1:{free_port()}",
                     home=home)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "nothing is listening" not in output and str(empty_export) in output, output
