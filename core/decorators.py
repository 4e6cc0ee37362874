"""Whole pages cached for anonymous visitors, with Django's own cache helpers.

A page qualifies when it is the same for every anonymous visitor: no CSRF token, no captcha, the
language in its address. Then the first anonymous GET renders it and stores the response
(``learn_cache_key``: the full address, the language and the time zone), and the next ones are
served from the cache (``get_cache_key``) without a query or a template.

- The key prefix holds a version (for the catalogue, the counter every catalogue write bumps), so
  a change in the admin shows on the next request; ``timeout`` bounds whatever else the page
  shows (the home page's most used procedures).
- A logged-in user always gets a fresh render (the header shows their name), and so does a
  visitor with a pending message ("you have logged out"); neither response is stored, and both
  are marked ``private`` so no shared cache (nginx) keeps them.
- A view that sets ``Cache-Control`` itself (``never_cache``: a page that must run every time,
  e.g. a search without results, which is counted) keeps its header and is not stored.
- Browsers revalidate every time (``max-age=0``); a shared cache in front (deploy/nginx) may keep
  an anonymous page ``SHARED_MAX_AGE`` seconds (``s-maxage``): at most that long stale.

Why not ``cache_page`` as it ships: it gives browsers the server's timeout (an hour here, an
admin change unseen until then) and would store a logged-in user's page for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.cache import get_cache_key, learn_cache_key, patch_cache_control

SHARED_MAX_AGE = 10


def is_anonymous_reader(request: HttpRequest) -> bool:
    """A GET by someone not logged in with nothing queued for them: the page is everyone's.
    (``len`` reads the message storage without marking the messages as shown.)"""
    return request.method == "GET" and not request.user.is_authenticated and not len(get_messages(request))


def cache_page_for_anonymous(timeout: int, *, version: Callable[[], object]):
    """Cache a view's 200 responses for anonymous visitors ``timeout`` seconds under the current
    ``version()`` (see the module)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not is_anonymous_reader(request):
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True)
                return response
            prefix = f"page:{version()}"
            key = get_cache_key(request, prefix, "GET", cache=cache)
            cached = cache.get(key) if key else None
            if cached is not None:
                return cached
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.has_header("Cache-Control"):
                return response
            patch_cache_control(response, public=True, max_age=0, s_maxage=SHARED_MAX_AGE)

            def store(rendered):
                cache.set(learn_cache_key(request, rendered, timeout, prefix, cache=cache), rendered, timeout)

            if callable(getattr(response, "render", None)):
                response.add_post_render_callback(store)  # a TemplateResponse, stored once rendered
            else:
                store(response)
            return response

        return wrapped

    return decorator
