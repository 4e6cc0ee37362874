import pytest
import redis
from django.test import RequestFactory

from core.ratelimit import client_ip, over_limit

pytestmark = pytest.mark.django_db

rf = RequestFactory()


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unit": "3/d"}  # no window rolls over mid-test


def test_each_client_address_has_its_own_count():
    a = rf.post("/", REMOTE_ADDR="10.0.0.1")
    b = rf.post("/", REMOTE_ADDR="10.0.0.2")
    assert [over_limit(a, group="unit") for _ in range(4)] == [False, False, False, True]
    assert not over_limit(b, group="unit")


def test_looking_does_not_count():
    a = rf.post("/", REMOTE_ADDR="10.0.0.3")
    assert not any(over_limit(a, group="unit", increment=False) for _ in range(10))
    assert not over_limit(a, group="unit")


def test_a_forwarded_for_header_is_ignored_without_trusted_proxies():
    for i in range(3):
        assert not over_limit(rf.post("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"), group="unit")
    assert over_limit(rf.post("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="9.9.9.9"), group="unit")


def test_behind_one_proxy_the_address_it_saw_counts_and_what_the_client_wrote_does_not(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"  # no header: the proxy itself


def test_a_group_without_a_rate_is_not_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unit": None}
    request = rf.post("/", REMOTE_ADDR="10.0.0.4")
    assert not any(over_limit(request, group="unit") for _ in range(10))


def test_the_counter_lives_in_the_shared_cache_and_expires_with_its_window(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unit": "3/m"}
    over_limit(rf.post("/", REMOTE_ADDR="10.0.0.5"), group="unit")
    cache = settings.CACHES["default"]
    client = redis.Redis.from_url(cache["LOCATION"])
    keys = list(client.scan_iter(match=f"{cache['KEY_PREFIX']}:*{settings.RATELIMIT_CACHE_PREFIX}*"))
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 60 + 5
