"""Rate limits for every limited action (login, signup, password reset, lookup…), through
django-ratelimit: one mechanism, one table of rates (``settings.RATE_LIMITS``), counters in the
shared cache so every web process sees the same count.

Views are limited with the library's decorator (``limit_posts``) or, where the count depends on
the outcome (a failed login), with ``is_ratelimited``. A refused request raises the library's
``Ratelimited``, which its middleware turns into ``too_many_requests`` (``RATELIMIT_VIEW``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit


def client_ip(request: HttpRequest) -> str:
    """The client's address (``RATELIMIT_IP_META_KEY``): behind ``TRUSTED_PROXY_COUNT`` reverse
    proxies, the address the outermost of them saw; anything a client writes further left in
    X-Forwarded-For is ignored, so nobody can spoof their way out of a limit, and without
    proxies the header is not read at all."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - an address to count, not to bind


def rate(group: str, request: HttpRequest) -> str | None:
    """The rate of ``group`` from ``settings.RATE_LIMITS`` (None: not limited), read per request
    so a deployment (or a test) changes it without touching the views."""
    return settings.RATE_LIMITS.get(group)


def posted_email(group: str, request: HttpRequest) -> str:
    """The email typed into a login or reset form, as the account is found by it (case-insensitive)."""
    return (request.POST.get("login") or request.POST.get("email") or "").strip().lower()


def limit_posts(view, *, group: str, key="ip"):
    """``view`` with its POSTs counted in ``group``; over the rate, ``too_many_requests``."""
    return ratelimit(group=group, key=key, rate=rate, method="POST", block=True)(view)


def over_limit(request: HttpRequest, *, group: str, key="ip", increment: bool = True) -> bool:
    """Count one attempt of ``group`` (unless ``increment`` is False: only look) and say whether
    the client is now over its rate."""
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=increment)


def reached_limit(request: HttpRequest, *, group: str, key="ip") -> bool:
    """Has the client used up its rate of ``group`` (the next attempt would be over)? Only looks:
    "5/5m" of failed logins then means five failures, and the sixth attempt is refused."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def login_key(email: str) -> str:
    """The account a login attempt is counted against: its email as typed, case-insensitive."""
    return (email or "").strip().lower()


def login_refused(request: HttpRequest, *, email: str) -> bool:
    """Has this client, or this account, failed to log in too often (``RATE_LIMITS``
    "login_failed_ip" and "login_failed_email")? Only looks. The citizens' login (the allauth
    adapter) and the admin's (``accounts.forms.AdminLoginForm``) share these counters, so neither
    door gives a guesser more tries than the other."""
    account = login_key(email)
    return reached_limit(request, group="login_failed_ip") or reached_limit(
        request, group="login_failed_email", key=lambda group, request: account
    )


def login_failed(request: HttpRequest, *, email: str) -> None:
    """Count one failed login for this client and for this account."""
    account = login_key(email)
    over_limit(request, group="login_failed_ip")
    over_limit(request, group="login_failed_email", key=lambda group, request: account)


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "429.html", status=429)
