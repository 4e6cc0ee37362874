"""A Redis cache that degrades instead of failing.

The cache holds rate-limit counters and short-lived page data, nothing a citizen saved. If Redis
goes away, a dossier being sent must still be saved, so cache calls answer as if the cache were
empty (and ``add`` as if it succeeded, so no lock loop ever spins) and log a warning, until
Redis is back.
"""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCacheClient, self), name)(*args, **kwargs)
        except OUTAGE as exc:
            logger.warning("Cache unavailable during %s: %s", name, exc)
            return fallback(*args) if callable(fallback) else fallback

    method.__name__ = name
    return method


class ResilientRedisCacheClient(RedisCacheClient):
    add = _degrade("add", True)
    get = _degrade("get", lambda key, default: default)
    set = _degrade("set", None)
    touch = _degrade("touch", False)
    delete = _degrade("delete", False)
    get_many = _degrade("get_many", {})
    has_key = _degrade("has_key", False)
    set_many = _degrade("set_many", [])
    delete_many = _degrade("delete_many", None)
    clear = _degrade("clear", False)
    incr = _degrade("incr", lambda key, delta: delta)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
