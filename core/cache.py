"""The Redis caches: one that degrades instead of failing, and one for rate limits that falls back
to PostgreSQL.

``ResilientRedisCache`` (the default cache) holds short-lived page data, nothing a citizen saved.
If Redis goes away, a dossier being sent must still be saved, so its calls answer as if the cache
were empty (and ``add`` as if it succeeded, so no lock loop ever spins) and log a warning, until
Redis is back.

``RateLimitCache`` (``RATELIMIT_USE_CACHE``) holds django-ratelimit's counters in the same Redis.
An empty answer there would be a limit that fails open (any number of password guesses while
Redis is away), so the three calls the library makes (``add``, ``incr``, ``get``) go to
``core.models.RateLimitCounter`` in PostgreSQL while Redis is unreachable: the limits of login,
the admin login, password reset, lookup… hold through an outage. Each store counts on its own:
when Redis leaves or returns, the counts of the current window start again from the other store's
(at most one extra window's worth of attempts, a few minutes).

Both empty only their own keys on ``clear()`` (those under ``KEY_PREFIX``), never the whole Redis
database (Django's ``clear()`` is a FLUSHDB): the database may be shared with another site, a
test run or, on a small install, Celery's queues.
"""

from __future__ import annotations

import logging
import re

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(name: str, fallback):
    """Redis's ``name``, or ``fallback(self, *args, **kwargs)`` while Redis is unreachable."""

    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except OUTAGE as exc:
            logger.warning("Cache unavailable during %s: %s", name, exc)
            return fallback(self, *args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.primary_url = re.split("[;,]", server)[0]  # the one Django writes to
        self.connect_options = {
            name: value
            for name, value in params.get("OPTIONS", {}).items()
            if name in ("socket_connect_timeout", "socket_timeout")
        }

    add = _degrade("add", lambda self, key, value, timeout=DEFAULT_TIMEOUT, version=None: True)
    get = _degrade("get", lambda self, key, default=None, version=None: default)
    set = _degrade("set", lambda self, *args, **kwargs: None)
    touch = _degrade("touch", lambda self, *args, **kwargs: False)
    delete = _degrade("delete", lambda self, *args, **kwargs: False)
    get_many = _degrade("get_many", lambda self, *args, **kwargs: {})
    has_key = _degrade("has_key", lambda self, *args, **kwargs: False)
    set_many = _degrade("set_many", lambda self, *args, **kwargs: [])
    delete_many = _degrade("delete_many", lambda self, *args, **kwargs: None)
    incr = _degrade("incr", lambda self, key, delta=1, version=None: delta)

    def clear(self) -> bool:
        """Delete this cache's keys (``KEY_PREFIX``) and nothing else in the database."""
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"  # literal in a SCAN pattern
        try:
            with redis.Redis.from_url(self.primary_url, **self.connect_options) as client:
                batch = []
                for key in client.scan_iter(match=pattern, count=1000):
                    batch.append(key)
                    if len(batch) >= 1000:
                        client.unlink(*batch)
                        batch.clear()
                if batch:
                    client.unlink(*batch)
        except OUTAGE as exc:
            logger.warning("Cache unavailable during clear: %s", exc)
            return False
        return True


def _counters():
    from .models import RateLimitCounter  # the cache is built before the models are needed

    return RateLimitCounter.objects


class RateLimitCache(ResilientRedisCache):
    """django-ratelimit's counters: Redis, and PostgreSQL while Redis is away (see the module)."""

    add = _degrade(
        "add",
        lambda self, key, value, timeout=DEFAULT_TIMEOUT, version=None: _counters().add(
            self.make_and_validate_key(key, version=version), value, self.get_backend_timeout(timeout)
        ),
    )
    get = _degrade(
        "get",
        lambda self, key, default=None, version=None: _counters().read(
            self.make_and_validate_key(key, version=version), default
        ),
    )
    incr = _degrade(
        "incr",
        lambda self, key, delta=1, version=None: _counters().incr(
            self.make_and_validate_key(key, version=version), delta
        ),
    )
