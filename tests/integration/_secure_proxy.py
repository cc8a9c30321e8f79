"""A real secured endpoint in front of the real test node: nginx terminating TLS, with basic auth or a SigV4 check.

The OpenSearch security plugin cannot be assembled from Maven Central (no ``org.opensearch.plugin:opensearch-security``
zip or jar is published there for the node's version, checked 2026-12-01), so the secured cluster a user deploys to
is stood in for by Debian's nginx: the same TLS handshake (a CA, a server certificate, a certificate for another
host, all generated here with the ``openssl`` command), the same 401 with ``WWW-Authenticate: Basic`` that the
security plugin sends, and the real node behind it. Three listeners:

* ``basic``: server certificate for ``127.0.0.1``/``localhost``, basic auth (one user, SSHA-hashed password);
* ``wrong_host``: the same, but its certificate names ``wrong-host.invalid``;
* ``sigv4``: server certificate, accepts only requests whose ``Authorization`` is ``AWS4-HMAC-SHA256`` and which carry
  ``X-Amz-Date`` (nginx cannot check the signature itself; it proves the client signed, with which scope).

Every listener writes an access log that records the shape of the request (authorization *scheme*, ``X-Amz-Date``,
``X-Amz-Content-Sha256``, the SigV4 credential scope) but never the header's value; a separate capture log holds the
full ``Authorization`` values so that the tests can search every output of the product for them.

nginx is installed with apt-get when it is missing and this runs as root (a fresh CI machine); otherwise the
fixture reports that nginx is needed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


class ProxyUnavailable(Exception):
    """nginx or openssl cannot be had on this machine; the message says why."""


def _which(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def ensure_tools() -> str:
    """Path of the nginx binary; installs nginx and openssl with apt-get (as root) when they are missing."""
    nginx, openssl = _which(*NGINX_CANDIDATES), shutil.which("openssl")
    if nginx and openssl:
        return nginx
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ProxyUnavailable("nginx and openssl are needed for the secured-endpoint tests: apt-get install nginx openssl")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx", "openssl"]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            raise ProxyUnavailable(f"{' '.join(command)} failed:\n{(result.stdout + result.stderr)[-2000:]}")
    nginx = _which(*NGINX_CANDIDATES)
    if not nginx or not shutil.which("openssl"):
        raise ProxyUnavailable("apt-get install nginx openssl succeeded but nginx/openssl are still not found")
    return nginx


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    if result.returncode != 0:
        raise ProxyUnavailable(f"openssl {' '.join(args[:2])} failed: {result.stderr[-1500:]}")


def make_certificates(folder: Path) -> dict[str, Path]:
    """A test CA, a server certificate for 127.0.0.1/localhost and one for wrong-host.invalid, both CA-signed."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=legalsearch test CA",
             "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("wrong-host", "DNS:wrong-host.invalid")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={san.split(',')[0].split(':')[1]}",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)
        (folder / f"{name}.ext").write_text(
            f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n", encoding="utf-8")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder)
    return {"ca": folder / "ca.pem", "server": folder / "server.pem", "server_key": folder / "server.key",
            "wrong_host": folder / "wrong-host.pem", "wrong_host_key": folder / "wrong-host.key"}


def _ssha(password: str) -> str:
    """nginx's ``{SSHA}`` htpasswd scheme: base64(sha1(password + salt) + salt)."""
    salt = secrets.token_bytes(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SecuredEndpoint:
    folder: Path
    ca: Path
    user: str
    password: str
    basic_url: str
    wrong_host_url: str
    sigv4_url: str
    access_log: Path
    capture_log: Path
    error_log: Path
    process: subprocess.Popen

    def authorization_values(self) -> set[str]:
        """Every Authorization header value the proxy has seen (plus the one basic auth would send)."""
        values = {line.strip() for line in self.capture_log.read_text(errors="replace").splitlines()}
        values.discard("")
        values.discard("-")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return values | {f"Basic {token}", token}

    def access_lines(self, since: int = 0) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines()[since:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


def start_proxy(folder: Path, upstream: str, user: str = "legal-reader") -> SecuredEndpoint:
    """Generate certificates, write nginx.conf and start nginx (foreground process) in front of ``upstream``."""
    nginx = ensure_tools()
    folder.mkdir(parents=True, exist_ok=True)
    certs = make_certificates(folder / "pki")
    password = "Pw-" + secrets.token_urlsafe(18)
    (folder / "htpasswd").write_text(f"{user}:{_ssha(password)}\n", encoding="utf-8")
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    ports = {name: _free_port() for name in ("basic", "wrong_host", "sigv4")}
    upstream_hostport = upstream.split("://", 1)[1].rstrip("/")
    common = f"""
        proxy_pass http://opensearch_node;
        proxy_set_header Authorization "";
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_read_timeout 600s;
        client_max_body_size 200m;
        access_log {folder}/access.log shape;
        access_log {folder}/capture.log capture;"""
    conf = f"""
# written by tests/integration/_secure_proxy.py
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {folder}/tmp/client_body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    client_body_buffer_size 1m;
    map $http_authorization $auth_scheme {{ default "-"; "~^(?<ls_scheme>[A-Za-z0-9-]+)\\s" $ls_scheme; }}
    map $http_authorization $sigv4_scope {{ default "-"; "~Credential=[^/,]+/(?<ls_scope>[^,\\s]+)" $ls_scope; }}
    map $http_authorization $sigv4_headers {{ default "-"; "~SignedHeaders=(?<ls_signed>[^,\\s]+)" $ls_signed; }}
    log_format shape '$server_port $request_method $uri $status scheme=$auth_scheme '
                     'amz_date=$http_x_amz_date amz_sha256=$http_x_amz_content_sha256 '
                     'scope=$sigv4_scope signed=$sigv4_headers';
    log_format capture '$http_authorization';
    upstream opensearch_node {{ server {upstream_hostport}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{ports["basic"]} ssl;
        ssl_certificate {certs["server"]};
        ssl_certificate_key {certs["server_key"]};
        location / {{
            auth_basic "OpenSearch Security";
            auth_basic_user_file {folder}/htpasswd;{common}
        }}
    }}
    server {{
        listen 127.0.0.1:{ports["wrong_host"]} ssl;
        ssl_certificate {certs["wrong_host"]};
        ssl_certificate_key {certs["wrong_host_key"]};
        location / {{
            auth_basic "OpenSearch Security";
            auth_basic_user_file {folder}/htpasswd;{common}
        }}
    }}
    server {{
        listen 127.0.0.1:{ports["sigv4"]} ssl;
        ssl_certificate {certs["server"]};
        ssl_certificate_key {certs["server_key"]};
        location / {{
            if ($auth_scheme != "AWS4-HMAC-SHA256") {{ return 403 "SigV4 required\\n"; }}
            if ($http_x_amz_date = "") {{ return 403 "X-Amz-Date required\\n"; }}{common}
        }}
    }}
}}
"""
    (folder / "nginx.conf").write_text(conf, encoding="utf-8")
    for name in ("access.log", "capture.log", "error.log"):
        (folder / name).touch()
    check = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                           capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        raise ProxyUnavailable(f"nginx -t rejected the generated configuration:\n{check.stderr}")
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=open(folder / "nginx.stderr", "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProxyUnavailable(f"nginx exited ({process.returncode}): {(folder / 'error.log').read_text()[-2000:]}")
        try:
            for port in ports.values():
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise ProxyUnavailable("nginx did not open its ports within 30 s")
    return SecuredEndpoint(
        folder=folder, ca=certs["ca"], user=user, password=password,
        basic_url=f"https://127.0.0.1:{ports['basic']}", wrong_host_url=f"https://127.0.0.1:{ports['wrong_host']}",
        sigv4_url=f"https://127.0.0.1:{ports['sigv4']}", access_log=folder / "access.log",
        capture_log=folder / "capture.log", error_log=folder / "error.log", process=process,
    )
