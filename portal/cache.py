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
# What ``count_hit`` gives for the list item it could not pop, Redis being away (None: the list
# was empty), so that a caller does not fill a list it cannot reach (``accounts.captchas``).
UNREACHABLE = object()


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

    def count_hit(
        self, key, timeout: int, pop: str | None = None, get: str | None = None
    ) -> tuple[int, bytes | None, object]:
        # One round trip, one reply: a Lua script (atomic, so the counter gets its expiry as it
        # is created) where Django's add-then-incr takes three and a MULTI pipeline parses a
        # reply per command. ``pop``: a list (its full key) to pop the first item of;
        # ``get``: a cache entry (its full key) to read, None when absent.
        keys = [key, pop or key, get or key]
        try:
            count, popped, got = self._hit_script()(
                keys=keys, args=[timeout, int(pop is not None), int(get is not None)]
            )
        except OUTAGE as exc:
            logger.warning("Cache unavailable during count_hit: %s", exc)
            return 1, (UNREACHABLE if pop is not None else None), None
        return count, popped, (None if got is None else self._serializer.loads(got))

    def _hit_script(self):
        script = self.__dict__.get("_hit")
        if script is None:  # registered once per client; redis-py sends EVALSHA, and the body if Redis lost it
            script = self.__dict__["_hit"] = self.get_client(write=True).register_script(HIT_SCRIPT)
        return script


# KEYS: the counter, the list to pop from, the entry to read; ARGV: the counter's timeout and
# whether to pop and to read.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local popped = false
if ARGV[2] == '1' then popped = redis.call('LPOP', KEYS[2]) end
local got = false
if ARGV[3] == '1' then got = redis.call('GET', KEYS[3]) end
return {count, popped, got}
"""


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def count_hit(self, key, timeout: int) -> int:
        """Add one to the counter ``key``, created with this timeout if absent; the new count."""
        return self._cache.count_hit(self.make_and_validate_key(key), timeout)[0]

    def count_hit_and_take(
        self, key, timeout: int, list_key: str | None, get: str | None = None
    ) -> tuple[int, bytes | None, object]:
        """``count_hit``, the first item popped from the list ``list_key`` (a full key, as
        ``make_and_validate_key`` gives it; None for an empty list, ``UNREACHABLE`` while Redis
        is away) and the value of the cache entry ``get`` (None when absent), in one round trip;
        either may be None (not asked)."""
        full = None if get is None else self.make_and_validate_key(get)
        return self._cache.count_hit(self.make_and_validate_key(key), timeout, pop=list_key, get=full)
