"""Whole public pages cached for anonymous visitors, with the per-visitor parts punched out.

Most requests to the portal are anonymous reads of the catalogue and the home page, and they
render the same HTML for everyone except two values: the CSRF token of the language switcher
(and of the home page's lookup box) and, on the home page, a fresh confirmation code (captcha).
Rendering the page costs 4-8 ms of Python; serving it from the cache with those two values
filled in costs a cache read and a string replacement. Load tests (docs/benchmarks/load.md)
showed rendering, not the database, as what limits the portal's throughput.

How a page stays correct:
- Only anonymous GET/HEAD requests with no pending message are served from or stored in the
  cache; a logged-in user, a form post or a "you have logged out" notice always renders afresh.
- The key holds the language and the full address (query string included); the entry holds the
  version it was rendered for (the catalogue version, bumped by every change to agencies,
  fields and procedures), read with it in one round trip, so an edit in the admin shows on the
  next request; the timeout bounds the rest (the home page's most used procedures).
- The page is rendered with placeholders instead of the CSRF token and the captcha key, and
  every response gets its own values: a cached page never carries another visitor's token or
  captcha. Only 200 responses are stored.
"""

from __future__ import annotations

import hashlib
import zlib

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse

# Placeholders: plain word characters, so they survive HTML escaping and fit the captcha's URL
# pattern; long and specific enough never to appear in real content.
CSRF_HOLE = "portalholecsrftoken7c1e"
CAPTCHA_HOLE = "portalholecaptchakey7c1e"
CONTEXT_FLAG = "page_cache_rendering"


def is_cacheable(request: HttpRequest) -> bool:
    """Anonymous, a plain read, and nothing queued for this visitor."""
    return request.method in ("GET", "HEAD") and is_cacheable_visitor(request)


def is_cacheable_visitor(request: HttpRequest) -> bool:
    """Not logged in and nothing queued for this visitor (``len`` reads the message storage
    without marking the messages as shown): the page around the content is everyone's."""
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return not has_messages(request)


def has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0


def pack(html: str) -> bytes:
    # Compressed (8-45 kB of HTML, 3-6 kB packed): every page of a 10,000-procedure catalogue in
    # both languages fits the cache's memory beside the rate-limit counters.
    return zlib.compress(html.encode(), 1)


def unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode()


def page_key(request: HttpRequest, name: str) -> str:
    address = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"pagez:{getattr(request, 'LANGUAGE_CODE', '')}:{name}:{address}"


def fill(request: HttpRequest, html: str, *, captcha_key: str | None = None) -> str:
    """This visitor's values in place of the placeholders (a new captcha only when the page has
    one; ``captcha_key``: one the caller already has, see ``fill_captcha``)."""
    if CSRF_HOLE in html:
        html = html.replace(CSRF_HOLE, get_token(request))
    return fill_captcha(html, key=captcha_key)


def fill_captcha(html: str, *, key: str | None = None) -> str:
    """A stored captcha in place of the placeholder, when the markup has one: ``key``, a key the
    caller took from the pool already, or a new one from the pool of ``accounts.captchas`` (no
    database write for most pages)."""
    if CAPTCHA_HOLE not in html:
        return html
    if key is None:
        from accounts.captchas import issue_key

        key = issue_key()
    return html.replace(CAPTCHA_HOLE, key)


class AnonymousPageCacheMixin:
    """For a TemplateView whose page is the same for every anonymous visitor (see the module).

    ``page_cache_version_key`` is the cache key of a counter bumped by every change the page
    shows (``page_cache_version()`` gives and sets it when the cache has lost it); the counter
    and the page are read in one round trip and a page rendered for another value is rendered
    again. ``page_cache_name`` tells the pages apart in their keys; ``page_cache_seconds``
    bounds how long anything else the page shows may be stale.
    """

    page_cache_seconds = 3600
    page_cache_name = ""
    page_cache_version_key = ""

    def page_cache_version(self):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not is_cacheable(request):
            return super().dispatch(request, *args, **kwargs)
        key = page_key(request, self.page_cache_name)
        found = cache.get_many([self.page_cache_version_key, key])
        version = found.get(self.page_cache_version_key)
        if version is None:
            version = self.page_cache_version()
        cached = found.get(key)
        if cached is not None and cached[0] == version:
            _, content_type, packed = cached
            return HttpResponse(fill(request, unpack(packed)), content_type=content_type)
        self.rendering_for_cache = True
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code != 200 or not isinstance(response, TemplateResponse):
            return response
        response.render()
        html = response.content.decode()
        cache.set(key, (version, response["Content-Type"], pack(html)), self.page_cache_seconds)
        response.content = fill(request, html).encode()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if getattr(self, "rendering_for_cache", False):
            context["csrf_token"] = CSRF_HOLE
            context[CONTEXT_FLAG] = True
        return context
