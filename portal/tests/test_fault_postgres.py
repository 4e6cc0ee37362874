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

from accounts.tests.processes import RedisServer
from core import embedded_postgres
from portal.tests.e2e.live import LivePortal

pytestmark = pytest.mark.worker


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_portal_survives_a_postgres_restart(tmp_path):
    # A PostgreSQL server of its own (the one `make run` embeds), so that restarting it touches
    # nothing else. Not under tmp_path: pytest's base folder is private to root, and as root the
    # server runs as another user, which must reach its data.
    pg_var = Path(tempfile.mkdtemp(prefix="portal-pgfault-"))
    pg_var.chmod(0o755)
    embedded_postgres.start(pg_var)
    with RedisServer() as redis_server:
        portal = LivePortal(
            base_dir=Path(settings.BASE_DIR),
            artifacts=Path(settings.BASE_DIR) / "test-artifacts" / "pgfault",
            tmp=tmp_path / "var",
            database_url=embedded_postgres.database_url(pg_var),
            redis_url=redis_server.url,
        )
        try:
            portal.start()
            pages = ["/", "/procedures/", "/procedures/?q=khai+sinh", "/agencies/", "/accounts/login/"]
            before = [fetch(portal.url(p)) for p in pages * 3]
            embedded_postgres.stop(pg_var)
            embedded_postgres.start(pg_var)
            after = [fetch(portal.url(p)) for p in pages * 3]
            ok_before, ok_after = before.count(200), after.count(200)
            print(f"\n[fault] postgres restart: {ok_before}/{len(before)} ok before, {ok_after}/{len(after)} ok after")
            assert before == [200] * len(before)
            assert after == [200] * len(after), portal.report()
        finally:
            portal.stop()
            embedded_postgres.stop(pg_var)
            shutil.rmtree(pg_var, ignore_errors=True)
