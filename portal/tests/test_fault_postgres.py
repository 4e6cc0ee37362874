"""PostgreSQL restarted under the running portal: the next requests succeed without a restart.

Persistent connections (CONN_MAX_AGE) would otherwise be dead sockets after the restart;
CONN_HEALTH_CHECKS makes each worker notice and reconnect at the start of the next request.
"""

import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from portal.tests.e2e.live import LivePortal
from portal.tests.pgserver import PostgresServer

pytestmark = pytest.mark.worker


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_portal_survives_a_postgres_restart(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test provides it)")
    # Not under tmp_path: pytest's base folder is private to root, and postgres must reach its data.
    pg_dir = Path(tempfile.mkdtemp(prefix="portal-pgfault-"))
    pg_dir.chmod(0o755)
    pg = PostgresServer(pg_dir / "cluster")
    if not pg.available():
        pytest.skip("PostgreSQL server binaries are not installed")
    pg.init().start()
    portal = LivePortal(
        base_dir=Path(settings.BASE_DIR),
        artifacts=Path(settings.BASE_DIR) / "test-artifacts" / "pgfault",
        tmp=tmp_path / "var",
        database_url=pg.url,
        redis_url=settings.REDIS_URL.rsplit("/", 1)[0] + "/9",
    )
    try:
        portal.start()
        pages = ["/", "/procedures/", "/procedures/?q=khai+sinh", "/agencies/", "/accounts/login/"]
        before = [fetch(portal.url(p)) for p in pages * 3]
        pg.restart()
        after = [fetch(portal.url(p)) for p in pages * 3]
        ok_before, ok_after = before.count(200), after.count(200)
        print(f"\n[fault] postgres restart: {ok_before}/{len(before)} ok before, {ok_after}/{len(after)} ok after")
        assert before == [200] * len(before)
        assert after == [200] * len(after), portal.report()
    finally:
        portal.stop()
        pg.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
