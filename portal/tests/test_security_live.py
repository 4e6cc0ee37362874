"""Issue 23's reproductions against the production settings under gunicorn (two workers), over
HTTP, with the portal's cache on a Redis server this test started and stops itself.

The unit tests next to each fix prove the details; this proves the deployed assembly: the
middleware order, the admin site's form, the rate-limit cache shared by two processes and its
PostgreSQL fallback, the headers as gunicorn sends them.
"""

import http.cookiejar
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.tests.processes import RedisServer
from core import embedded_postgres
from portal.tests.e2e.live import LivePortal

pytestmark = pytest.mark.worker

PASSWORD = "Mat-khau-an-toan-2026"
LOCKED = "Bạn đã đăng nhập sai quá nhiều lần"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One browser: its cookies, no redirects followed, the CSRF token sent with every POST."""

    def __init__(self, portal: LivePortal):
        self.portal = portal
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = None
        if data is not None:
            token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        url = self.portal.url(path)  # http://127.0.0.1:port/…
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310 - our loopback server
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, data: dict):
        self.get(path)  # the form's page first: the CSRF cookie
        return self.request(path, data)


def _database_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or embedded_postgres.database_url(settings.VAR_DIR))
    return parts._replace(path=parts.path.rstrip("/") + "_sec_live").geturl()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with RedisServer() as redis_server:
        portal = LivePortal(
            base_dir=Path(settings.BASE_DIR),
            artifacts=Path(settings.BASE_DIR) / "test-artifacts" / "security-live",
            tmp=tmp_path_factory.mktemp("security_live"),
            database_url=_database_url(),
            redis_url=redis_server.url,
        )
        portal.env["LIVE_RATES_PER_DAY"] = "1"  # production's counts, no window to roll over mid-test
        try:
            portal.start()
            yield portal, redis_server
        finally:
            portal.stop()


def test_the_reproductions_do_not_reproduce_under_gunicorn(live):
    portal, redis_server = live
    portal.create_user("cong.dan@example.vn", PASSWORD, full_name="Nguyễn Văn An", citizen_id="001090000123")
    portal.create_user("can.bo@example.vn", PASSWORD, is_staff=True)
    portal.create_user("nan.nhan@example.vn", PASSWORD)
    code = (
        portal.shell(
            "from accounts.models import User\n"
            "from dossiers.tests.factories import DossierFactory\n"
            "print('CODE', DossierFactory(owner=User.objects.get(email='cong.dan@example.vn'), sent=True).code)\n"
        )
        .split("CODE ", 1)[1]
        .split()[0]
    )  # after the shell's own lines
    anonymous = Visitor(portal)

    # 4. A NUL in an address: 404 or 400, never a 500.
    for path, status in [
        ("/procedures/1.005095%00/", 404),
        ("/agencies/SGDDT-HN%00/", 404),
        (f"/dossiers/{code}%00/", 404),
        ("/admin/dossiers/dossier/?status__exact=%00", 400),
    ]:
        assert anonymous.get(path)[0] == status, path

    # 7. Personal pages and files: private, no-store.
    citizen = Visitor(portal)
    assert citizen.post("/accounts/login/", {"login": "cong.dan@example.vn", "password": PASSWORD})[0] == 302
    for path in (f"/dossiers/{code}/", f"/dossiers/{code}/receipt.pdf", "/dossiers/", "/accounts/profile/"):
        status, headers, _body = citizen.get(path)
        assert status == 200, path
        assert {"private", "no-store"} <= {d.strip() for d in headers["Cache-Control"].split(",")}, path
    assert "public" in anonymous.get("/procedures/")[1]["Cache-Control"]  # the anonymous catalogue stays cached

    # 2. The admin login: 30 wrong passwords, then the right one is refused.
    officer = Visitor(portal)
    answers = [
        officer.post("/admin/login/", {"username": "can.bo@example.vn", "password": f"sai-{i}"}) for i in range(30)
    ]
    assert {status for status, _h, _b in answers} <= {200, 429}
    assert any(LOCKED in body for _s, _h, body in answers)
    status, headers, _body = officer.post("/admin/login/", {"username": "can.bo@example.vn", "password": PASSWORD})
    assert status != 302, headers  # not logged in
    assert officer.get("/admin/")[0] == 302  # still sent to the login page

    # 6. The cache's Redis stopped: the limits hold (counted in PostgreSQL by both gunicorn workers).
    redis_server.stop()
    try:
        looker = Visitor(portal)
        statuses = [
            looker.post("/lookup/", {"code": code, "captcha_0": "x", "captcha_1": "PASSED"})[0] for _ in range(15)
        ]
        assert statuses == [200] * 10 + [429] * 5, statuses
        guesser = Visitor(portal)
        for i in range(12):
            guesser.post("/accounts/login/", {"login": "nan.nhan@example.vn", "password": f"sai-{i}"})
        status, _h, body = guesser.post("/accounts/login/", {"login": "nan.nhan@example.vn", "password": PASSWORD})
        assert status == 200 and "quá nhiều lần" in body
        resets = [
            Visitor(portal).post("/accounts/password/reset/", {"email": "nan.nhan@example.vn"})[0] for _ in range(6)
        ]
        assert resets == [302] * 5 + [429], resets
    finally:
        redis_server.start()
    print(f"\n[security live] lookups while Redis is away: {statuses}; password resets: {resets}")
