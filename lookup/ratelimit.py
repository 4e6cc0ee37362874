"""A fixed-window limit per client address for anonymous public endpoints (the dossier lookup).

The counter lives in the shared cache (Redis in production), so every web process sees the same
count. The client address comes from allauth's resolver, which honours TRUSTED_PROXY_COUNT, so a
proxy's address is never shared by all citizens and X-Forwarded-For cannot be spoofed.
"""

import hashlib
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return request.META.get("REMOTE_ADDR", "unknown")


def _counter(request: HttpRequest, scope: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{address}:{window}"


def hit(request: HttpRequest, *, scope: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one request; True while the client is within ``limit`` per window."""
    key = _counter(request, scope, window_seconds)
    if hasattr(cache, "count_hit"):  # Redis (portal.cache): one round trip
        return cache.count_hit(key, window_seconds + 5) <= limit
    if cache.add(key, 1, timeout=window_seconds + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds + 5)
            count = 1
    return count <= limit


def hit_and_take(
    request: HttpRequest,
    *,
    scope: str,
    limit: int,
    list_key: str | None = None,
    get: str | None = None,
    window_seconds: int = 60,
) -> tuple[bool, bytes | None, object]:
    """``hit``, with what a lookup needs from the cache anyway taken in the same round trip on
    Redis: the first item of the Redis list ``list_key`` (the captcha the answer's page will
    carry, ``accounts.captchas.shelf``; ``portal.cache.UNREACHABLE`` while Redis is away) and
    the value of the cache entry ``get`` (the answer rendered before). Each None when absent or
    not asked; without Redis, no list is popped and the entry is read on its own."""
    if not hasattr(cache, "count_hit_and_take"):
        return (
            hit(request, scope=scope, limit=limit, window_seconds=window_seconds),
            None,
            cache.get(get) if get else None,
        )
    count, popped, got = cache.count_hit_and_take(
        _counter(request, scope, window_seconds), window_seconds + 5, list_key, get=get
    )
    return count <= limit, popped, got
