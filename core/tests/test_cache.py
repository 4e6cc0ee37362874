import datetime

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from core.models import RateLimitCounter

pytestmark = pytest.mark.django_db


def test_clear_deletes_this_sites_keys_and_leaves_the_rest_of_the_database():
    """Django's RedisCache.clear() is a FLUSHDB: on a Redis shared with another site (or, on a
    small install, with Celery's queues) it would empty them too."""
    cache = caches["default"]
    config = settings.CACHES["default"]
    client = redis.Redis.from_url(config["LOCATION"])
    foreign = f"{config['KEY_PREFIX']}-another-site:1:page"
    client.set(foreign, "kept", ex=60)
    try:
        cache.set("page", "gone")
        caches["ratelimit"].set("counter", 3)
        assert cache.clear() is True
        assert cache.get("page") is None
        assert caches["ratelimit"].get("counter") is None  # same prefix, same site
        assert client.get(foreign) == b"kept"
    finally:
        client.delete(foreign)


def test_a_fallback_counter_is_added_once_and_counts_every_increment():
    counters = RateLimitCounter.objects
    assert counters.add("k", 1, 60) is True
    assert counters.add("k", 1, 60) is False
    assert [counters.incr("k") for _ in range(3)] == [2, 3, 4]
    assert counters.read("k") == 4
    assert counters.read("missing", 0) == 0
    with pytest.raises(ValueError, match="not found"):
        counters.incr("missing")


def test_an_expired_fallback_counter_is_absent_and_replaced():
    RateLimitCounter.objects.create(key="old", count=9, expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert RateLimitCounter.objects.read("old") is None
    assert RateLimitCounter.objects.add("old", 1, 60) is True
    assert RateLimitCounter.objects.read("old") == 1
