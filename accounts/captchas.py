"""Confirmation codes (captchas): stored in batches, handed out one page at a time, spent in one
statement.

Every anonymous page with a lookup box (the home page, /lookup/ and the box above each lookup
answer) needs a captcha of its own, and django-simple-captcha stores each one with an INSERT:
on the load benchmark that was a database write per page view (docs/benchmarks/load.md). Here
the captchas are created fifty at a time in one INSERT and their keys kept in a Redis list from
which each page pops one, so a key is never given to two visitors (``LPOP`` is atomic across
every web process). The library's own pool (``CAPTCHA_GET_FROM_POOL``) picks a random stored
captcha for each page and may give the same one to two visitors, the second of whom would then
be refused: it is not used.

A batch lives in a list named after the minute it was made in and is handed out only during
that minute; its captchas expire ``CAPTCHA_TIMEOUT`` minutes after the end of that minute, so a
visitor always has the full time to type, and what a quiet minute leaves unused expires and is
purged with the rest (``accounts.tasks.purge_expired_captchas``). Without Redis (the embedded
default keeps its cache in files) or while Redis is away, each page stores its own captcha, as
the library does.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import secrets
import time

from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from portal.cache import OUTAGE, UNREACHABLE
from portal.sqlvalues import aware_datetime, column, prepared_cursor, table

BATCH = 50
SHELF_SECONDS = 60


def _pool():
    """The default cache and its Redis client, or None when the cache is not Redis."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    return cache, cache._cache.get_client(write=True)


def shelf() -> str | None:
    """The full cache key of this minute's list of captcha keys; None without Redis. For a
    caller that pops from it in a round trip it makes anyway (``lookup.ratelimit.hit_and_take``) and
    hands the result to ``issue_key``."""
    pool = _pool()
    if pool is None or not hasattr(pool[0], "count_hit_and_take"):  # portal.cache's Redis cache
        return None
    return pool[0].make_and_validate_key(f"captcha:pool:{int(time.time() // SHELF_SECONDS)}")


_POP = object()


def issue_key(popped: bytes | object | None = _POP) -> str:
    """The key of a stored, unexpired captcha that no other page has been given; ``popped``: what
    the caller already popped from ``shelf()`` (None for an empty list; ``UNREACHABLE`` when
    Redis was away, and then the page stores its own captcha, as without Redis)."""
    pool = _pool()
    if pool is None:
        return CaptchaStore.generate_key()
    if popped is UNREACHABLE:  # Redis is away: a batch could not be listed
        return CaptchaStore.generate_key()
    cache, client = pool
    minute = int(time.time() // SHELF_SECONDS)
    list_key = cache.make_and_validate_key(f"captcha:pool:{minute}")
    try:
        key = client.lpop(list_key) if popped is _POP else popped
        if key is not None:
            return key.decode()
        keys = store_batch(expires=_batch_expiry(minute))
        pipe = client.pipeline(transaction=False)
        pipe.rpush(list_key, *keys[1:])
        pipe.expire(list_key, 2 * SHELF_SECONDS)
        pipe.execute()
    except OUTAGE:
        return CaptchaStore.generate_key()
    return keys[0]


def give_back(list_key: str, popped: bytes) -> None:
    """Return a key taken from ``shelf()`` that no page was given (a refused lookup): it goes on
    being handed out until its minute ends, instead of expiring unused."""
    pool = _pool()
    if pool is None or popped is UNREACHABLE:
        return
    with contextlib.suppress(OUTAGE):  # then it expires unused, as without Redis
        pipe = pool[1].pipeline(transaction=False)
        pipe.lpush(list_key, popped)
        # The list may have ended with the key popped: created again, it must expire again.
        pipe.expire(list_key, 2 * SHELF_SECONDS)
        pipe.execute()


def _batch_expiry(minute: int) -> datetime.datetime:
    end_of_minute = datetime.datetime.fromtimestamp((minute + 1) * SHELF_SECONDS, tz=datetime.UTC)
    return end_of_minute + datetime.timedelta(minutes=int(captcha_settings.CAPTCHA_TIMEOUT))


def store_batch(*, expires: datetime.datetime, size: int = BATCH) -> list[str]:
    """``size`` new captchas in one INSERT; their keys. Built as ``CaptchaStore.save`` builds one
    (the challenge from the configured generator, the answer in lower case), with a random key.

    On PostgreSQL the rows go in as three arrays (``unnest``), a prepared statement: building a
    model instance per captcha for ``bulk_create`` cost more than a lookup's own statement
    (docs/benchmarks/load.md)."""
    challenge = captcha_settings.get_challenge()
    texts, responses, keys = [], [], []
    for _ in range(size):
        text, response = challenge()
        texts.append(text)
        responses.append(response.lower())
        keys.append(secrets.token_hex(20))
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(_insert_sql(), [expires, texts, responses, keys])
    else:
        CaptchaStore.objects.bulk_create(
            CaptchaStore(challenge=text, response=response, hashkey=key, expiration=expires)
            for text, response, key in zip(texts, responses, keys, strict=True)
        )
    return keys


@functools.cache
def _insert_sql() -> str:
    names = ", ".join(column("", CaptchaStore, name) for name in ("challenge", "response", "hashkey", "expiration"))
    return (
        f"INSERT INTO {table(CaptchaStore)} ({names})"  # noqa: S608 - identifiers only
        " SELECT c, r, h, %s FROM unnest(%s::text[], %s::text[], %s::text[]) AS batch (c, r, h)"
    )


def spend_sql() -> str:
    """The statement that spends one captcha (its key the one parameter) and returns its expiry
    and answer, or no row; also run inside the lookup's own statement (``lookup.selectors``).

    Deleted by its key alone, with the expiry and the answer checked on the row it returns
    (``accepts``): with the expiry in the ``WHERE``, PostgreSQL's statistics (the newest expiries
    are always past the histogram) made it pick the expiry index and filter every live captcha
    by key, a scan that grew with the traffic (1 ms of database CPU per lookup on the load
    benchmark, docs/benchmarks/load.md). Written by hand: the ORM's delete cannot return the row.
    """
    returned = f"{column('', CaptchaStore, 'expiration')}, {column('', CaptchaStore, 'response')}"
    where = f"{column('', CaptchaStore, 'hashkey')} = %s"
    return f"DELETE FROM {table(CaptchaStore)} WHERE {where} RETURNING {returned}"  # noqa: S608 - identifiers only


def accepts(returned: tuple | None, response: str | None = None) -> bool:
    """Whether the row ``spend_sql`` returned (None: no such captcha) was unexpired and, when
    ``response`` is given, had that answer."""
    if returned is None:
        return False
    expires, stored = aware_datetime(returned[0]), returned[1]
    return expires > timezone.now() and (response is None or stored == response)


def spent_row(key: str) -> tuple | None:
    """Spend the captcha ``key``, whatever the answer: what ``spend_sql`` returns, (expiry,
    answer) or None, for ``accepts``. One statement, so a captcha is accepted once even when two
    requests bring it at the same moment, and a wrong answer spends the picture."""
    with connection.cursor() as cursor:
        cursor.execute(spend_sql(), [key])
        return cursor.fetchone()
