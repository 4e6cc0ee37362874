import datetime
import socket

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from core.models import RateLimitCounter

pytestmark = pytest.mark.django_db


def free_port() -> int:
    """A port nothing listens on: a Redis that is away."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def test_without_redis_the_default_cache_answers_as_an_empty_cache():
    from core.cache import ResilientRedisCache

    cache = ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True  # no lock loop spins on an absent cache
    assert cache.incr("k", 5) == 5
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False
    assert cache.clear() is False


def test_without_redis_the_rate_limit_cache_counts_in_postgresql():
    from core.cache import RateLimitCache

    cache = RateLimitCache(f"redis://127.0.0.1:{free_port()}/0", {"KEY_PREFIX": "t"})
    assert cache.add("window", 1, 60) is True
    assert cache.add("window", 1, 60) is False
    assert cache.incr("window") == 2
    assert cache.get("window", 0) == 2
    assert RateLimitCounter.objects.get().key == "t:1:window"
