"""Connection to an OpenSearch cluster: settings, credentials, TLS, SigV4, and mapping of failures to typed errors.

Credentials come from options, the environment (``LEGALSEARCH_OPENSEARCH_USER`` / ``LEGALSEARCH_OPENSEARCH_PASSWORD``)
or a TOML config file, in that order of precedence. They are never printed or logged: :class:`ConnectionSettings`
hides the password in its ``repr`` and error messages show the URL without any userinfo.

Every REST call goes through :class:`Cluster.request`, which maps opensearch-py exceptions to
:mod:`legalsearch.errors` with the server's ``root_cause`` reason attached. Unit tests hand :class:`Cluster` a fake
transport that records ``(method, path, body)``.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from legalsearch.errors import (
    AuthenticationError,
    ClusterHealthError,
    ConnectionFailedError,
    MissingPluginError,
    NotFoundError,
    OpenSearchError,
    VersionError,
)

log = logging.getLogger(__name__)

ENV_URL = "LEGALSEARCH_OPENSEARCH_URL"
ENV_USER = "LEGALSEARCH_OPENSEARCH_USER"
ENV_PASSWORD = "LEGALSEARCH_OPENSEARCH_PASSWORD"
ENV_CONFIG = "LEGALSEARCH_OPENSEARCH_CONFIG"
DEFAULT_CONFIG = Path("~/.config/legalsearch/opensearch.toml")

# Plugin component names as `GET _cat/plugins` lists them (same on Amazon OpenSearch Service).
PLUGIN_KNN = "opensearch-knn"
PLUGIN_ML = "opensearch-ml"
PLUGIN_NEURAL = "opensearch-neural-search"

# feature -> (minimum OpenSearch version, plugin it needs or None). Versions read from the plugins' sources:
# hybrid query + normalization-processor 2.10; neural_query_enricher 2.11; nested k-NN fields (lucene parent
# diversification, queried through `nested` with score_mode max) 2.12; text_chunking 2.13; score-ranker-processor
# (RRF) 2.19; weights inside RRF 3.1; index.search.default_pipeline 2.9; model groups + chunked register 2.8.
FEATURES: dict[str, tuple[tuple[int, int, int], str | None]] = {
    "k-NN lucene HNSW knn_vector": ((2, 9, 0), PLUGIN_KNN),
    "index.search.default_pipeline": ((2, 9, 0), None),
    "hybrid query with normalization-processor": ((2, 10, 0), PLUGIN_NEURAL),
    "nested knn_vector passages (score_mode max)": ((2, 12, 0), PLUGIN_KNN),
    "ML Commons model groups and chunked model upload": ((2, 8, 0), PLUGIN_ML),
    "neural query and neural_query_enricher": ((2, 11, 0), PLUGIN_NEURAL),
    "text_chunking ingest processor": ((2, 13, 0), PLUGIN_NEURAL),
    "score-ranker-processor (RRF)": ((2, 19, 0), PLUGIN_NEURAL),
    "weights in score-ranker-processor (RRF)": ((3, 1, 0), PLUGIN_NEURAL),
}


SERVERLESS_VERSION = (3, 1, 0)  # what OpenSearch Serverless is treated as (it reports no version)


def parse_version(text: str) -> tuple[int, int, int]:
    """'2.19.1' / '3.0.0-SNAPSHOT' -> (2, 19, 1)."""
    parts = re.findall(r"\d+", text)[:3]
    if not parts:
        raise OpenSearchError(f"cannot read the cluster version from '{text}'")
    nums = [int(p) for p in parts] + [0] * (3 - len(parts))
    return nums[0], nums[1], nums[2]


def _fmt(version: tuple[int, int, int]) -> str:
    return ".".join(str(n) for n in version)


@dataclass
class ConnectionSettings:
    """Where and how to connect. ``password`` never appears in ``repr`` or logs."""

    url: str = "http://localhost:9200"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    insecure: bool = False
    aws_region: str | None = None
    aws_service: str = "es"  # "es" for managed domains, "aoss" for serverless
    timeout: float = 60.0

    @property
    def display_url(self) -> str:
        """The URL with any ``user:password@`` removed: safe to print."""
        return redact_url(self.url)

    def __repr__(self) -> str:  # dataclass repr would show the URL's userinfo
        auth = "sigv4" if self.aws_region else ("basic" if self.username else "none")
        return f"ConnectionSettings(url={self.display_url!r}, auth={auth}, insecure={self.insecure})"


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def load_config_file(path: str | Path | None) -> dict[str, Any]:
    """Read the ``[opensearch]`` table of a TOML config file (url, user, password, ca_certs, aws_region...).

    With ``path`` None, ``$LEGALSEARCH_OPENSEARCH_CONFIG`` or ``~/.config/legalsearch/opensearch.toml`` is read if it
    exists. A file given explicitly must exist.
    """
    import tomllib

    explicit = path is not None or bool(os.environ.get(ENV_CONFIG))
    cfg_path = Path(path or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG).expanduser()
    if not cfg_path.is_file():
        if explicit:
            raise OpenSearchError(f"config file {cfg_path} not found")
        return {}
    try:
        data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise OpenSearchError(f"config file {cfg_path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") \
            from None
    except tomllib.TOMLDecodeError as exc:
        raise OpenSearchError(f"config file {cfg_path} is not valid TOML ({exc})") from None
    table = data.get("opensearch", data)
    return {k.replace("-", "_"): v for k, v in table.items()}


def resolve_settings(
    url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    ca_certs: str | None = None,
    insecure: bool | None = None,
    aws_region: str | None = None,
    aws_service: str | None = None,
    config_file: str | Path | None = None,
    timeout: float | None = None,
) -> ConnectionSettings:
    """Merge options > environment > config file > defaults into :class:`ConnectionSettings`."""
    cfg = load_config_file(config_file)
    env = os.environ

    def pick(option, env_name, cfg_name, default=None):
        if option is not None:
            return option
        if env_name and env.get(env_name):
            return env[env_name]
        if cfg_name in cfg:
            return cfg[cfg_name]
        return default

    settings = ConnectionSettings(
        url=pick(url, ENV_URL, "url", "http://localhost:9200"),
        username=pick(username, ENV_USER, "user", None) or pick(None, None, "username", None),
        password=pick(password, ENV_PASSWORD, "password", None),
        ca_certs=pick(ca_certs, None, "ca_certs", None),
        insecure=bool(pick(insecure, None, "insecure", False)),
        aws_region=pick(aws_region, None, "aws_region", None),
        aws_service=pick(aws_service, None, "aws_service", "es"),
        timeout=float(pick(timeout, None, "timeout", 60.0)),
    )
    parts = urlsplit(settings.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionFailedError(
            f"'{settings.display_url}' is not an http(s) URL; pass e.g. --url https://localhost:9200"
        )
    if parts.username and not settings.username:  # user:pass@host in the URL: move them out of it
        settings.username, settings.password = parts.username, parts.password
    settings.url = redact_url(settings.url)
    if settings.password and not settings.username:
        raise AuthenticationError(f"a password was given without a user; set {ENV_USER} or --user")
    return settings


class Transport(Protocol):
    def perform_request(self, method: str, url: str, params: Any = None, body: Any = None, headers: Any = None): ...


def build_client(settings: ConnectionSettings):
    """An ``opensearchpy.OpenSearch`` client for ``settings`` (TLS verified unless ``insecure``)."""
    try:
        from opensearchpy import OpenSearch, RequestsHttpConnection
    except ImportError as exc:  # pragma: no cover - core dependency
        from legalsearch.errors import DependencyError

        raise DependencyError("opensearch-py", "all") from exc

    kwargs: dict[str, Any] = {
        "hosts": [settings.url],
        "timeout": settings.timeout,
        "max_retries": 0,  # retries are ours (ingest backoff), not the client's silent ones
        "retry_on_timeout": False,
    }
    if settings.url.startswith("https"):
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = not settings.insecure
        kwargs["ssl_show_warn"] = not settings.insecure
        if settings.insecure:
            kwargs["ssl_assert_hostname"] = False
            log.warning("TLS certificate verification is OFF (--insecure) for %s", settings.display_url)
        if settings.ca_certs:
            if not Path(settings.ca_certs).is_file():
                raise ConnectionFailedError(f"CA bundle {settings.ca_certs} not found (--ca-certs)")
            kwargs["ca_certs"] = settings.ca_certs
    if settings.aws_region:
        try:
            import boto3
            from opensearchpy import AWSV4SignerAuth
        except ImportError as exc:
            from legalsearch.errors import DependencyError

            raise DependencyError("boto3", "aws") from exc
        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise AuthenticationError(
                "no AWS credentials found for SigV4 (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            )
        kwargs["http_auth"] = AWSV4SignerAuth(credentials, settings.aws_region, settings.aws_service)
        kwargs["connection_class"] = RequestsHttpConnection
    elif settings.username:
        kwargs["http_auth"] = (settings.username, settings.password or "")
    client = OpenSearch(**kwargs)
    if settings.aws_region and settings.ca_certs:
        _ca_certs_win(client, settings.url)
    return client


def _ca_certs_win(client, url: str) -> None:
    """Make --ca-certs hold under SigV4, where requests carries the calls.

    requests merges the environment into every request and lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace the
    session's CA bundle, so a machine-wide bundle would silently override --ca-certs (and fail, or trust more than
    asked). Without the environment, the proxies it would have given are set on the session explicitly.
    """
    import requests

    pool = client.transport.connection_pool
    for connection in getattr(pool, "connections", None) or [pool.connection]:
        session = getattr(connection, "session", None)
        if session is not None:
            session.trust_env = False
            session.proxies.update(requests.utils.get_environ_proxies(url))


def connect(settings: ConnectionSettings, check: bool = True) -> "Cluster":
    """Connect and (by default) read the cluster's version and plugins, failing clearly when it is unreachable."""
    cluster = Cluster(build_client(settings).transport, display_url=settings.display_url)
    if settings.aws_region and settings.aws_service == "aoss":
        # OpenSearch Serverless answers neither GET / nor _cat/plugins: features cannot be checked up front
        cluster.serverless = True
        log.warning("OpenSearch Serverless: version and plugin checks are skipped")
        return cluster
    if check:
        cluster.info()
    return cluster


def _root_cause(info: Any) -> str | None:
    """The server's own reason from an error body (``error.root_cause[0].reason`` or ``error.reason``)."""
    if isinstance(info, dict):
        err = info.get("error", info)
        if isinstance(err, dict):
            causes = err.get("root_cause") or []
            if causes and isinstance(causes[0], dict) and causes[0].get("reason"):
                first = causes[0]
                return f"{first.get('type', 'error')}: {first['reason']}" if first.get("type") else first["reason"]
            if err.get("reason"):
                return f"{err.get('type', 'error')}: {err['reason']}" if err.get("type") else err["reason"]
        elif isinstance(err, str):
            return err
        if info.get("message"):  # e.g. Amazon OpenSearch Service / security plugin responses
            return str(info["message"])
    if isinstance(info, (str, bytes)) and info:
        text = info.decode("utf-8", "replace") if isinstance(info, bytes) else info
        return text[:500]
    return None


# What to do when nothing answers: the two ways this project documents to get a node.
START_A_NODE = ("start OpenSearch (`docker compose up -d` in this repository, or `scripts/opensearch-node start` "
                "for a local test node) or point --url at your cluster")


def _failure_text(exc: Exception) -> str:
    """The low-level reason behind an opensearch-py connection error (urllib3's or requests' message)."""
    info = getattr(exc, "info", None)
    return f"{info!r} {info} {getattr(exc, 'error', '')} {exc}"


def _host(display_url: str) -> str:
    return urlsplit(display_url).hostname or display_url


def describe_connection_failure(exc: Exception, what: str, display_url: str) -> ConnectionFailedError:
    """One message per way a connection fails, each saying what happened and what to do next.

    opensearch-py raises the same ``ConnectionError`` for a closed port, an unknown host and a server that hangs up,
    and the same ``SSLError`` for an untrusted certificate, a wrong host name and a port that speaks plain HTTP;
    the underlying urllib3 message tells them apart.
    """
    from opensearchpy import exceptions as osx

    url = display_url or "the cluster"
    text = _failure_text(exc)
    lowered = text.lower()
    https = display_url.startswith("https")
    if isinstance(exc, osx.ConnectionTimeout) or "timed out" in lowered or "timeouterror" in lowered:
        return ConnectionFailedError(
            f"{what}: {url} did not answer in time",
            hint="check that the node is up and healthy (GET _cluster/health), or raise `timeout` in the config file",
        )
    if isinstance(exc, osx.SSLError) or "sslerror" in lowered or "[ssl:" in lowered:
        if any(sign in lowered for sign in ("wrong_version_number", "wrong version number", "record layer failure",
                                            "packet length too long", "unknown protocol", "http_request")):
            return ConnectionFailedError(
                f"{what}: {url} does not speak TLS (the port answers in plain HTTP)",
                hint=f"use --url http://{urlsplit(display_url).netloc}{urlsplit(display_url).path}",
            )
        if "hostname mismatch" in lowered or "ip address mismatch" in lowered or "doesn't match" in lowered:
            return ConnectionFailedError(
                f"{what}: the TLS certificate of {url} is not valid for the host '{_host(display_url)}'",
                hint="connect with a host name the certificate names (or --insecure, on a test cluster only)",
            )
        if "certificate verify failed" in lowered or "certificate_verify_failed" in lowered:
            return ConnectionFailedError(
                f"{what}: the TLS certificate of {url} is not trusted",
                hint="pass --ca-certs FILE with the CA that signed the cluster's certificate "
                     "(or --insecure, on a test cluster only)",
            )
        return ConnectionFailedError(
            f"{what}: the TLS handshake with {url} failed",
            hint="check the cluster's TLS set-up; pass --ca-certs FILE with its CA (or --insecure on a test cluster)",
        )
    if "failed to resolve" in lowered or "name or service not known" in lowered or "nodename nor servname" in lowered \
            or "getaddrinfo failed" in lowered or "temporary failure in name resolution" in lowered:
        return ConnectionFailedError(
            f"{what}: cannot resolve the host '{_host(display_url)}' of {url}",
            hint="check the host name in --url (or LEGALSEARCH_OPENSEARCH_URL, or the config file)",
        )
    if "connection refused" in lowered or "errno 111" in lowered:
        return ConnectionFailedError(f"{what}: nothing is listening at {url}", hint=START_A_NODE)
    if not https and any(sign in lowered for sign in ("remotedisconnected", "connection aborted", "reset by peer",
                                                      "badstatusline")):
        return ConnectionFailedError(
            f"{what}: {url} closed the connection without an HTTP answer",
            hint=f"if the cluster serves HTTPS, use --url https://{urlsplit(display_url).netloc}",
        )
    return ConnectionFailedError(f"{what}: cannot reach {url}", hint=START_A_NODE)


def map_exception(exc: Exception, what: str, display_url: str = "") -> OpenSearchError:
    """Turn an opensearch-py exception into a typed legalsearch error naming ``what`` was being done."""
    from opensearchpy import exceptions as osx

    where = f" at {display_url}" if display_url else ""
    if isinstance(exc, osx.ConnectionError):  # ConnectionTimeout and SSLError are ConnectionErrors too
        return describe_connection_failure(exc, what, display_url)
    if isinstance(exc, osx.SerializationError):
        return VersionError(
            f"{what}: the server{where} answered, but not with OpenSearch's JSON",
            hint="check that --url is the OpenSearch REST endpoint (port 9200 by default), not another service",
        )
    if isinstance(exc, osx.TransportError):
        status = exc.status_code if isinstance(exc.status_code, int) else None
        cause = _root_cause(exc.info) or (str(exc.error) if exc.error else None)
        if status == 400 and cause and "plain http request was sent to https port" in cause.lower():
            return ConnectionFailedError(
                f"{what}: {display_url or 'the cluster'} serves HTTPS on this port",
                hint=f"use --url https://{urlsplit(display_url).netloc}",
            )
        if status == 401:
            return AuthenticationError(
                f"{what}: the cluster{where} refused the credentials (401)",
                hint=f"check --user and the password ({ENV_USER} / {ENV_PASSWORD}, or the config file)",
                status=status,
            )
        if status == 403 and cause and ("index_create_block_exception" in cause
                                        or "flood-stage watermark" in cause or "read_only_allow_delete" in cause):
            return OpenSearchError(
                f"{what}: the cluster refuses writes because a node's disk passed the flood-stage watermark",
                root_cause=cause, status=status,
                hint="free disk space (or raise cluster.routing.allocation.disk.watermark.flood_stage); see "
                     "docs/reliability.md",
            )
        if status == 403:
            return AuthenticationError(
                f"{what}: the user has no permission for this (403)", root_cause=cause, status=status,
                hint="ask the cluster's administrator for the permissions listed in docs/reliability.md",
            )
        if status == 404 and cause and ("index_not_found" in cause or "no such index" in cause):
            name = re.search(r"no such index \[([^\]]*)\]", cause)
            return NotFoundError(
                f"{what}: no index or alias '{name.group(1) if name else '?'}'{where}",
                hint="deploy one first (`legalsearch deploy DATASET --export DIR`), or name the deployed alias "
                     "with --index",
                status=status,
            )
        if cause and "no handler found" in cause.lower():
            return MissingPluginError(f"{what}: the cluster has no such endpoint (plugin missing?)", cause, status)
        return OpenSearchError(f"{what} failed (HTTP {status})", root_cause=cause, status=status)
    return OpenSearchError(f"{what} failed: {type(exc).__name__}")


class Cluster:
    """A thin, typed wrapper over an opensearch-py transport: one place for REST calls and error mapping."""

    def __init__(self, transport: Transport, display_url: str = ""):
        self.transport = transport
        self.display_url = display_url
        self._info: dict | None = None
        self._plugins: set[str] | None = None
        self.serverless = False

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict | None = None,
        what: str | None = None,
        ignore: tuple[int, ...] = (),
        headers: dict | None = None,
    ) -> Any:
        """Perform one REST call; statuses in ``ignore`` return ``None`` instead of raising."""
        from opensearchpy import exceptions as osx

        try:
            return self.transport.perform_request(method, path, params=params, body=body, headers=headers)
        except osx.TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code in ignore:
                return None
            raise map_exception(exc, what or f"{method} {path}", self.display_url) from None
        except osx.OpenSearchException as exc:
            raise map_exception(exc, what or f"{method} {path}", self.display_url) from None

    # -- cluster facts ---------------------------------------------------------------------------------------------
    def info(self) -> dict:
        if self._info is None:
            try:
                self._info = self.request("GET", "/", what="reading the cluster info") or {}
            except NotFoundError:
                raise  # not reached: GET / has no index in its path
            except OpenSearchError as exc:
                if exc.status in (404, 405):  # a web server, but not a search engine's REST root
                    raise VersionError(
                        f"the server at {self.display_url} is not OpenSearch (GET / answered {exc.status})",
                        hint="check that --url is the OpenSearch REST endpoint (port 9200 by default)",
                    ) from None
                raise
            distribution = self._info.get("version", {}).get("distribution")
            if distribution not in (None, "opensearch"):
                raise VersionError(f"this is a '{distribution}' cluster, not OpenSearch")
            if distribution is None and "version" in self._info and "tagline" in self._info:
                if "opensearch" not in str(self._info.get("tagline", "")).lower():
                    raise VersionError("this cluster is not OpenSearch (it has no opensearch distribution field)")
        return self._info

    @property
    def version(self) -> tuple[int, int, int]:
        if self.serverless:
            return SERVERLESS_VERSION
        return parse_version(str(self.info().get("version", {}).get("number", "0")))

    def plugins(self) -> set[str]:
        if self._plugins is None:
            rows = self.request("GET", "/_cat/plugins", params={"format": "json"}, what="listing plugins") or []
            self._plugins = {row.get("component", "") for row in rows}
        return self._plugins

    def require(self, *features: str) -> None:
        """Raise :class:`VersionError` / :class:`MissingPluginError` naming the first feature the cluster lacks."""
        if self.serverless:
            return
        have = self.version
        for feature in features:
            minimum, plugin = FEATURES[feature]
            if have < minimum:
                raise VersionError(
                    f"{feature} needs OpenSearch >= {_fmt(minimum)}, but the cluster at {self.display_url} "
                    f"runs {_fmt(have)}; upgrade the cluster or use a mode that does not need it"
                )
            if plugin and plugin not in self.plugins():
                raise MissingPluginError(
                    f"{feature} needs the {plugin} plugin, which the cluster at {self.display_url} does not have "
                    f"(installed: {', '.join(sorted(self.plugins())) or 'none'})"
                )


@dataclass(frozen=True)
class ClusterHealth:
    """``GET _cluster/health``: the status and what it counts."""

    status: str  # green | yellow | red
    unassigned_shards: int = 0
    data_nodes: int = 0

    @classmethod
    def read(cls, cluster: Cluster) -> "ClusterHealth":
        body = cluster.request("GET", "/_cluster/health", what="reading the cluster health") or {}
        return cls(str(body.get("status", "unknown")), int(body.get("unassigned_shards", 0)),
                   int(body.get("number_of_data_nodes", 0)))


def check_health(cluster: Cluster) -> str | None:
    """Before a command writes: raise :class:`ClusterHealthError` when the cluster is red; return a warning line when
    it is yellow on two or more data nodes; None otherwise.

    Red means a primary shard has no started copy: writes to it fail and searches miss its documents. Yellow means
    every primary is started but some replica is not; on a single data node that is permanent and harmless (a
    replica is never placed beside its primary, and indices made with the cluster's default of one replica, which
    ``mappings/index.json`` leaves as it is, are all yellow there), so it is not warned about. OpenSearch
    Serverless has no cluster health: nothing is checked.
    """
    if cluster.serverless:
        return None
    try:
        health = ClusterHealth.read(cluster)
    except AuthenticationError as exc:
        if exc.status != 403:
            raise
        # a role limited to its own indices may not read cluster health; the deploy's own writes still fail
        # clearly on a red cluster, so the check is skipped rather than refusing a deploy that worked before
        log.info("cluster health not checked: %s", exc)
        return None
    shards = f"{health.unassigned_shards} unassigned shard{'s' if health.unassigned_shards != 1 else ''}"
    if health.status == "red":
        raise ClusterHealthError(
            f"the cluster at {cluster.display_url or 'the given URL'} is red ({shards}): nothing is written while a "
            "primary shard has no started copy; find it with GET _cluster/allocation/explain, then rerun"
        )
    if health.status == "yellow" and health.data_nodes > 1:
        return (f"warning: the cluster is yellow ({shards}, replicas only, on {health.data_nodes} data nodes): the "
                "deploy goes on, but a node lost now may leave shards without a copy")
    return None
