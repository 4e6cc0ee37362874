"""A Redis cache that degrades instead of failing.

The cache holds rate-limit counters and short-lived page data, nothing a citizen saved. If Redis
goes away, a dossier being sent must still be saved, so cache calls answer as if the cache were
empty (and ``add`` as if it succeeded, so lock loops such as allauth's rate limiter never spin)
and log a warning, until Redis is back.
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

    def get_client(self, key=None, *, write=False):
        # Django builds a new redis.Redis (and its table of ~200 response callbacks) for every
        # cache call; one per connection pool is enough (it is thread-safe, the pool does the
        # connections) and saves ~0.1 ms a call, several calls a page.
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except OUTAGE as exc:
            logger.warning("Cache unavailable during incr: %s", exc)
            return delta

    def count_hit(self, key, timeout: int, pop: str | None = None) -> tuple[int, bytes | None]:
        # One round trip (MULTI, SET NX EX, INCR, EXEC) where add-then-incr takes three: Django's
        # incr asks EXISTS first. The transaction keeps the expiry on the counter even if it
        # expires between the two commands. ``pop``: a list (its full key) to pop the first item
        # of in the same round trip.
        try:
            pipe = self.get_client(key, write=True).pipeline(transaction=True)
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            if pop is not None:
                pipe.lpop(pop)
            results = pipe.execute()
            return results[1], (results[2] if pop is not None else None)
        except OUTAGE as exc:
            logger.warning("Cache unavailable during count_hit: %s", exc)
            return 1, None


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def count_hit(self, key, timeout: int) -> int:
        """Add one to the counter ``key``, created with this timeout if absent; the new count."""
        return self._cache.count_hit(self.make_and_validate_key(key), timeout)[0]

    def count_hit_and_pop(self, key, timeout: int, list_key: str) -> tuple[int, bytes | None]:
        """``count_hit`` and the first item popped from the list ``list_key`` (a full key, as
        ``make_and_validate_key`` gives it), in one round trip; None for an empty list."""
        return self._cache.count_hit(self.make_and_validate_key(key), timeout, pop=list_key)
