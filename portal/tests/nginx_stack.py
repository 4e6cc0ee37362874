"""nginx in front of gunicorn nodes, as deploy/ describes them, started on loopback ports for a test.

``render_nginx_conf`` turns deploy/nginx/portal.conf into a file nginx can load here: the ${PORTAL_*}
placeholders get local values, the listen ports become free loopback ports (IPv6 lines dropped) and
the log and page-cache paths point into the test's folder. Nothing else in the file is changed, so
what the tests prove holds for the file an operator installs.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPResponse, HTTPSConnection
from pathlib import Path

from django.conf import settings

from accounts.tests.smtp import free_port

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx" / "portal.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
PLACEHOLDER = re.compile(r"\$\{(PORTAL_[A-Z0-9_]+)\}")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render(template: str, values: dict[str, str]) -> str:
    """Replace exactly the ${NAME} placeholders given (what `envsubst '$NAME ...'` does); none may remain."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    assert not missing, f"no test value for placeholders {missing}"
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def render_nginx_conf(
    *, values: dict[str, str], http_port: int, https_port: int, log_dir: Path, cache_dir: Path, acme_root: Path
) -> str:
    text = render(NGINX_TEMPLATE.read_text(encoding="utf-8"), values)
    text, ipv6 = re.subn(r"^\s*listen \[::\]:\d+[^;]*;\n", "", text, flags=re.M)
    text, plain = re.subn(r"\blisten 80\b", f"listen 127.0.0.1:{http_port}", text)
    text, tls = re.subn(r"\blisten 443\b", f"listen 127.0.0.1:{https_port}", text)
    text, logs = re.subn(r"/var/log/nginx/", f"{log_dir}/", text)
    text, caches = re.subn(r"/var/cache/portal-nginx\b", str(cache_dir), text)
    text = text.replace("/var/www/letsencrypt", str(acme_root))
    # The rewrites the tests rely on: if the file changes shape, say so instead of testing something else.
    assert (ipv6, plain, tls, logs, caches) == (4, 2, 2, 2, 1), (ipv6, plain, tls, logs, caches)
    return text


def main_conf(*, prefix: Path, site_conf: Path) -> str:
    """The nginx.conf around the site file (Debian's /etc/nginx/nginx.conf plays this part in production)."""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    user = "user root root;" if os.geteuid() == 0 else ""  # workers must read the test's private tmp folder
    return f"""
{user}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {site_conf};
}}
"""


def self_signed_certificate(directory: Path, host: str = "localhost") -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={host}"),
            *("-addext", f"subjectAltName=DNS:{host},IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def wait_for_port(port: int, *, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s:\n{log.read_text(errors='replace')[-4000:]}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _read(response: HTTPResponse) -> Response:
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return Response(response.status, headers, response.read())


@dataclass
class Stack:
    """Running processes and how to talk to them; stopped by ``stop``."""

    root: Path
    cert: Path
    http_port: int
    https_port: int
    node_ports: list[int]
    media_root: Path
    static_root: Path
    host: str = "localhost"
    cache_prefix: str = field(default_factory=lambda: f"nginx-test-{secrets.token_hex(4)}")
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    # --- requests ---------------------------------------------------------------------------------
    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict | None = None,
        body: bytes | None = None,
        source: str = "127.0.0.1",
        tls: bool = True,
    ) -> Response:
        """One request from the loopback address ``source`` (127.0.0.2, … are distinct clients to nginx)."""
        if tls:
            conn = HTTPSConnection(
                self.host, self.https_port, context=self.tls_context(), timeout=30, source_address=(source, 0)
            )
        else:
            conn = HTTPConnection("127.0.0.1", self.http_port, timeout=30, source_address=(source, 0))
        try:
            conn.request(method, path, body=body, headers={"Host": self.host, **(headers or {})})
            return _read(conn.getresponse())
        finally:
            conn.close()

    def connection(self, source: str = "127.0.0.1") -> HTTPSConnection:
        return HTTPSConnection(
            self.host, self.https_port, context=self.tls_context(), timeout=30, source_address=(source, 0)
        )

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    def log(self, name: str) -> str:
        path = self.logs.get(name)
        return path.read_text(errors="replace") if path and path.exists() else ""

    def node_log_lines(self, needle: str, *, count: int = 1, timeout: float = 5) -> list[str]:
        """The gunicorn access-log lines containing ``needle``, waiting for ``count`` of them:
        gunicorn writes its line just after the response, so it may trail the client by a moment."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [
                line
                for node in self.logs
                if node.startswith("node")
                for line in self.log(node).splitlines()
                if needle in line
            ]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    # --- processes --------------------------------------------------------------------------------
    def spawn(self, name: str, args: list[str], *, env: dict | None = None) -> subprocess.Popen:
        path = self.root / "logs" / f"{name}.log"
        self.logs[name] = path
        with open(path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes[name] = proc
        return proc

    def stop_process(self, name: str) -> None:
        proc = self.processes.get(name)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)


def gunicorn_args() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]


def free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)
