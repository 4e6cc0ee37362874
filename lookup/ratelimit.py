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


def hit(request: HttpRequest, *, scope: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one request; True while the client is within ``limit`` per window."""
    window = int(time.time() // window_seconds)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{address}:{window}"
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
