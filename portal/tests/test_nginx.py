"""deploy/nginx/portal.conf, loaded by a real nginx in front of two real gunicorn nodes.

The module starts (once): a self-signed certificate (openssl), collectstatic with the production
settings, two gunicorn nodes from deploy/gunicorn.conf.py on loopback ports (production settings
with two test-only views, PRIVATE_FILE_SERVING=nginx, TRUSTED_PROXY_COUNT=1) plus a third node
address nobody listens on, and nginx with the rendered site file after `nginx -t` accepted it.
Requests come from distinct loopback addresses (127.0.0.2, 127.0.0.3), which nginx sees as
distinct clients, as it would see two citizens.

Skipped, with the reason, only where nginx is not installed (outside CI; .ci/run installs it).
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from accounts.tests import processes

from .nginx_stack import (
    BASE_DIR,
    Stack,
    free_ports,
    gunicorn_args,
    main_conf,
    nginx_binary,
    render_nginx_conf,
    self_signed_certificate,
    wait_for_port,
)

NGINX = nginx_binary()
OPENSSL = shutil.which("openssl")
if (NGINX is None or OPENSSL is None) and os.environ.get("CI"):
    raise RuntimeError("nginx or openssl is missing in CI: .ci/run must install them (apt-get install nginx openssl)")
pytestmark = [
    pytest.mark.deploy,
    pytest.mark.django_db,  # the nodes use the test database (pytest-django creates it for marked tests)
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed here (apt-get install nginx; .ci/run does)"),
    pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed here (apt-get install openssl)"),
]

PRIVATE_NAME = "dossiers/HN-240101-ABC234/3f1e2d.pdf"
PRIVATE_ODD_NAME = "procedure_templates/Tờ khai đăng ký #1 ?%.pdf"
PRIVATE_BYTES = b"%PDF-1.4\n% private attachment\n" + secrets.token_bytes(4096) + b"\n%%EOF\n"
LOOKUP_LIMIT = 3


def _node_env(stack: Stack, port: int, tmp: Path) -> dict:
    scrub = {"DJANGO_SETTINGS_MODULE", "DEBUG", "EMAIL_URL", "PORTAL_VAR_DIR", "MEDIA_ROOT", "CACHE_KEY_PREFIX"}
    env = {k: v for k, v in os.environ.items() if k not in scrub}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.tests.deploy_settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost",
            "CSRF_TRUSTED_ORIGINS": stack.origin,
            "DATABASE_URL": processes.test_database_url(),
            "CACHE_KEY_PREFIX": stack.cache_prefix,  # one cache for all nodes: shared rate-limit counters
            "PORTAL_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(stack.media_root),
            "TRUSTED_PROXY_COUNT": "1",
            "BEHIND_TLS_PROXY": "1",
            "PRIVATE_FILE_SERVING": "nginx",
            "CAPTCHA_TEST_MODE": "1",
            "LOOKUP_RATE_LIMIT": str(LOOKUP_LIMIT),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_CONTROL_SOCKET": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup):
    tmp = tmp_path_factory.mktemp("nginx")
    for sub in ("logs", "tmp", "acme", "var", "media"):
        (tmp / sub).mkdir()
    cert, key = self_signed_certificate(tmp)
    http_port, https_port, node1, node2, dead_node = free_ports(5)
    stack = Stack(
        root=tmp,
        cert=cert,
        http_port=http_port,
        https_port=https_port,
        node_ports=[node1, node2],
        media_root=tmp / "media",
        static_root=tmp / "var" / "static",
    )
    for name in (PRIVATE_NAME, PRIVATE_ODD_NAME):
        (stack.media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (stack.media_root / name).write_bytes(PRIVATE_BYTES)
    try:
        env = _node_env(stack, node1, tmp)
        collect = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collect.returncode == 0, collect.stderr
        for index, port in enumerate(stack.node_ports, start=1):
            proc = stack.spawn(f"node{index}", gunicorn_args(), env=_node_env(stack, port, tmp))
            wait_for_port(port, proc=proc, log=stack.logs[f"node{index}"])

        site = tmp / "portal.conf"
        site.write_text(
            render_nginx_conf(
                values={
                    "PORTAL_DOMAIN": stack.host,
                    "PORTAL_TLS_CERTIFICATE": str(cert),
                    "PORTAL_TLS_CERTIFICATE_KEY": str(key),
                    "PORTAL_STATIC_ROOT": str(stack.static_root),
                    "PORTAL_MEDIA_ROOT": str(stack.media_root),
                    "PORTAL_APP_NODE_1": f"127.0.0.1:{node1}",
                    "PORTAL_APP_NODE_2": f"127.0.0.1:{node2}",
                    "PORTAL_APP_NODE_3": f"127.0.0.1:{dead_node}",  # a node that is down
                },
                http_port=http_port,
                https_port=https_port,
                log_dir=tmp / "logs",
                cache_dir=tmp / "cache",
                acme_root=tmp / "acme",
            ),
            encoding="utf-8",
        )
        conf = tmp / "nginx.conf"
        conf.write_text(main_conf(prefix=tmp, site_conf=site), encoding="utf-8")
        nginx = [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "logs" / "error.log")]
        check = subprocess.run([*nginx, "-t"], capture_output=True, text=True, timeout=60)
        stack.nginx_check = check.stdout + check.stderr
        assert check.returncode == 0, stack.nginx_check
        proc = stack.spawn("nginx", nginx)
        wait_for_port(https_port, proc=proc, log=stack.logs["nginx"])
        yield stack
    finally:
        stack.stop()


def _csrf(stack: Stack, path: str, source: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token from a GET of ``path``."""
    page = stack.request("GET", path, source=source)
    assert page.status == 200, page.text[:500]
    cookie = re.search(r"csrftoken=([^;]+)", page.header("set-cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return cookie, token


def test_nginx_accepts_the_rendered_configuration(stack):
    assert "syntax is ok" in stack.nginx_check
    assert "test is successful" in stack.nginx_check


def test_http_redirects_to_https(stack):
    response = stack.request("GET", "/procedures/?q=khai+sinh", tls=False)
    assert response.status == 301
    assert response.header("location") == "https://localhost/procedures/?q=khai+sinh"


def test_pages_come_from_django_through_nginx_over_tls(stack):
    response = stack.request("GET", "/")
    assert response.status == 200
    assert "Cổng Dịch vụ công" in response.text or "Public Service Portal" in response.text
    assert response.header("strict-transport-security")  # Django's, since nginx said https
    assert response.header("server") == "nginx"  # server_tokens off: no version


def test_unknown_host_names_never_reach_django(stack):
    with pytest.raises(http.client.RemoteDisconnected):  # 444: connection closed, no answer
        stack.request("GET", "/", headers={"Host": "attacker.example"}, tls=False)
    with pytest.raises(http.client.RemoteDisconnected):
        stack.request("GET", "/", headers={"Host": "attacker.example"})
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw, pytest.raises(ssl.SSLError):
        context.wrap_socket(raw, server_hostname="attacker.example")
    assert "attacker.example" not in stack.log("node1") + stack.log("node2")


def test_static_files_are_served_by_nginx_with_long_cache_for_hashed_names(stack):
    home = stack.request("GET", "/")
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', home.text)
    assert css, "the home page links the hashed stylesheet (ManifestStaticFilesStorage)"
    hashed = stack.request("GET", css.group(1), headers={"Accept-Encoding": "gzip"})
    assert hashed.status == 200
    assert hashed.header("cache-control") == "public, max-age=31536000, immutable"
    assert hashed.header("content-encoding") == "gzip"  # the .gz collectstatic wrote (gzip_static)
    assert hashed.header("x-content-type-options") == "nosniff"
    plain = stack.request("GET", "/static/css/portal.css")
    assert plain.status == 200
    assert plain.header("cache-control") == "public, max-age=3600"
    assert plain.body.startswith(Path(BASE_DIR / "static/css/portal.css").read_bytes()[:200])
    missing = stack.request("GET", "/static/css/nope.css")
    assert missing.status == 404
    served_by_django = [line for line in (stack.log("node1") + stack.log("node2")).splitlines() if "/static/" in line]
    assert served_by_django == [], "static requests must never reach gunicorn"


def test_private_file_goes_out_through_the_internal_location_after_djangos_check(stack):
    response = stack.request("GET", f"/_test/private/{PRIVATE_NAME}?allowed=1&" + urlencode({"as": "Giấy tờ.pdf"}))
    assert response.status == 200, response.text[:500]
    assert response.body == PRIVATE_BYTES
    # Django's headers kept by nginx ...
    assert response.header("content-type") == "application/pdf"
    assert response.header("content-disposition") == "attachment; filename*=utf-8''Gi%E1%BA%A5y%20t%E1%BB%9D.pdf"
    assert response.header("cache-control") == "private, no-store"
    # ... and the internal location's own.
    assert response.header("content-security-policy") == "default-src 'none'; sandbox"
    assert response.header("x-content-type-options") == "nosniff"
    assert response.header("x-frame-options") == "DENY"
    assert response.header("x-accel-redirect") is None
    # The worker sent headers only (0 bytes of body): nginx read the file from disk.
    served = stack.node_log_lines("Gi%E1%BA%A5y")
    assert len(served) == 1 and '" 200 0 ' in served[0], served
    # A stored name with spaces, '#' and Vietnamese letters survives the X-Accel-Redirect URI.
    odd = stack.request("GET", "/_test/private/" + quote(PRIVATE_ODD_NAME) + "?allowed=1")
    assert odd.status == 200 and odd.body == PRIVATE_BYTES


def test_private_file_is_refused_without_djangos_permission(stack):
    refused = stack.request("GET", f"/_test/private/{PRIVATE_NAME}")
    assert refused.status == 404
    assert PRIVATE_BYTES[:40] not in refused.body


def test_internal_location_cannot_be_requested_directly(stack):
    for path in (f"/_protected_media/{PRIVATE_NAME}", "/_protected_media/", "/_protected_media/../media/x"):
        response = stack.request("GET", path)
        assert response.status == 404, path
        assert PRIVATE_BYTES[:40] not in response.body


def test_client_address_reaches_django_and_a_forged_one_is_ignored(stack):
    seen = json.loads(stack.request("GET", "/_test/client-address/", source="127.0.0.2").body)
    assert seen["client"] == "127.0.0.2"
    assert seen["x_forwarded_for"] == "127.0.0.2"
    assert seen["x_real_ip"] == "127.0.0.2"
    assert seen["remote_addr"] == "127.0.0.1"  # nginx itself
    assert seen["secure"] is True  # X-Forwarded-Proto: https, trusted with BEHIND_TLS_PROXY=1
    assert seen["host"] == "localhost"

    forged = stack.request(
        "GET", "/_test/client-address/", source="127.0.0.3", headers={"X-Forwarded-For": "203.0.113.7"}
    )
    seen = json.loads(forged.body)
    assert seen["x_forwarded_for"] == "203.0.113.7, 127.0.0.3"  # nginx appends the real peer
    assert seen["client"] == "127.0.0.3"  # TRUSTED_PROXY_COUNT=1: the last entry, the one nginx wrote


def test_rate_limits_count_each_client_not_the_proxy(stack):
    def lookup(source: str, csrf: tuple[str, str], **headers) -> int:
        cookie, token = csrf
        body = urlencode(
            {"csrfmiddlewaretoken": token, "code": "HN-240101-ZZZ999", "captcha_0": "k", "captcha_1": "PASSED"}
        ).encode()
        response = stack.request(
            "POST",
            "/lookup/",
            body=body,
            source=source,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Origin": stack.origin,
                **headers,
            },
        )
        return response.status

    first = _csrf(stack, "/lookup/", "127.0.0.4")
    statuses = [lookup("127.0.0.4", first) for _ in range(LOOKUP_LIMIT + 1)]
    assert statuses == [200] * LOOKUP_LIMIT + [429]
    # A forged X-Forwarded-For does not buy a fresh allowance ...
    assert lookup("127.0.0.4", first, **{"X-Forwarded-For": "198.51.100.23"}) == 429
    # ... while another citizen behind the same nginx is not affected.
    assert lookup("127.0.0.5", _csrf(stack, "/lookup/", "127.0.0.5")) == 200


def test_slow_upload_is_buffered_by_nginx_not_by_a_gunicorn_worker(stack):
    """The body dribbles in for 3 s; gunicorn receives it complete and answers in milliseconds."""
    size = 2 * 1024 * 1024  # under DATA_UPLOAD_MAX_MEMORY_SIZE: the test view reads it whole
    conn = stack.connection(source="127.0.0.6")
    try:
        conn.putrequest("POST", "/_test/client-address/?slow-upload", skip_host=True)
        conn.putheader("Host", stack.host)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        started = time.monotonic()
        chunk = size // 4
        for _ in range(4):
            conn.send(b"x" * chunk)
            time.sleep(0.75)
        response = conn.getresponse()
        elapsed = time.monotonic() - started
        body = json.loads(response.read())
    finally:
        conn.close()
    assert response.status == 200
    assert body["body_bytes"] == size
    assert elapsed >= 3.0
    lines = stack.node_log_lines("slow-upload")
    assert len(lines) == 1, lines
    worker_ms = int(re.search(r" (\d+)ms ", lines[0]).group(1))
    assert worker_ms < 1000 * elapsed / 3, f"the worker was busy {worker_ms} ms for a {elapsed:.1f} s upload"


def test_too_large_request_gets_the_vietnamese_page_without_reaching_django(stack):
    conn = stack.connection(source="127.0.0.7")
    try:
        conn.putrequest("POST", "/dossiers/too-big/", skip_host=True)
        conn.putheader("Host", stack.host)
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(61 * 1024 * 1024))
        conn.endheaders()  # nginx answers from the headers alone
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    assert response.status == 413
    assert "Tệp tải lên quá lớn" in text
    assert "too-big" not in stack.log("node1") + stack.log("node2")


def test_requests_are_spread_over_the_nodes_and_a_dead_node_is_skipped(stack):
    statuses = [stack.request("GET", "/healthz/").status for _ in range(12)]
    assert statuses == [200] * 12  # the third upstream address refuses connections
    stack.node_log_lines("/healthz/", count=12)
    for node in ("node1", "node2"):
        assert "/healthz/" in stack.log(node), f"{node} got no request"


def test_anonymous_pages_are_kept_a_few_seconds_and_a_logged_in_visitor_always_reaches_django(stack):
    """Django marks the pages that are the same for every anonymous visitor (s-maxage) and nginx
    keeps them that long: a second anonymous GET of the home page is a HIT, whoever asks. A request
    with the session cookie (logged in) or a pending message is never answered from the cache, and
    nothing else is stored: forms, lookups, POSTs."""
    home = "/en/"  # the home page (in English: no other test asks for it, so its entry is fresh)
    first = stack.request("GET", home, source="127.0.0.8")
    assert first.status == 200 and first.header("cache-control") == "public, max-age=0, s-maxage=10"
    for source, cookie in (("127.0.0.9", ""), ("127.0.0.10", "csrftoken=x9Q")):
        again = stack.request("GET", home, source=source, headers={"Cookie": cookie} if cookie else {})
        assert again.header("x-cache-status") == "HIT", (source, cookie)
        assert again.body == first.body
    for cookie in ("sessionid=abc123", "messages=abc123"):
        logged_in = stack.request("GET", home, headers={"Cookie": cookie})
        assert logged_in.status == 200 and logged_in.header("x-cache-status") == "BYPASS", cookie
    for path in ("/lookup/?code=HN-240101-ABC234", "/accounts/login/", "/en/dossiers/", "/admin/login/"):
        stack.request("GET", path)
        assert stack.request("GET", path).header("x-cache-status") == "BYPASS", path
    posted = stack.request("POST", home, body=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert posted.header("x-cache-status") in (None, ""), posted.status


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs.get("href", ""))


def test_when_every_node_is_down_nginx_shows_the_maintenance_page(stack):
    """Last in the module: it stops the gunicorn nodes (an upgrade gone wrong)."""
    for node in ("node1", "node2"):
        stack.stop_process(node)
    response = stack.request("GET", "/procedures/")
    assert response.status == 502
    assert "Hệ thống đang bảo trì" in response.text
    assert response.header("cache-control") == "no-store"
    links = _Links()
    links.feed(response.text)
    assert links.stylesheets == ["/static/css/portal.css"]
    assert stack.request("GET", links.stylesheets[0]).status == 200
