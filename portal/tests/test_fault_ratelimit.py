"""The cache's Redis stopped under the portal: the rate limits still hold (issue 23, item 6).

Reproduction: with the cache's Redis away, 15 of 15 lookups were answered (the 11th should be
refused) and 12 wrong passwords were followed by a successful login. The counters now fall back
to PostgreSQL (core/cache.py, core.models.RateLimitCounter).

Each test starts a Redis server of its own, points both caches at it and stops it: the shared
Redis other checkouts use is never touched.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.processes import RedisServer
from core.models import RateLimitCounter

pytestmark = pytest.mark.django_db

LOCKED = "Bạn đã đăng nhập sai quá nhiều lần"


@pytest.fixture
def cache_redis(settings):
    """Both caches (pages and rate limits) on a private Redis server the test may stop."""
    with RedisServer() as server:
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "LOCATION": server.url},
            "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": server.url},
        }
        yield server


@pytest.fixture
def cache_redis_down(cache_redis):
    cache_redis.stop()
    return cache_redis


def test_lookups_are_limited_while_the_cache_is_away(client, cache_redis_down):
    statuses = [client.post(reverse("lookup:lookup"), {"code": f"X-{i}"}).status_code for i in range(15)]
    assert statuses == [200] * 10 + [429] * 5
    assert RateLimitCounter.objects.exists()  # counted in PostgreSQL


def test_twelve_wrong_passwords_then_the_right_one_is_refused_while_the_cache_is_away(client, cache_redis_down):
    user = UserFactory()
    for i in range(12):
        client.post(reverse("account_login"), {"login": user.email, "password": f"sai-{i}"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "quá nhiều lần" in response.content.decode()


def test_the_admin_login_is_limited_while_the_cache_is_away(client, cache_redis_down):
    officer = UserFactory(staff=True)
    for i in range(12):
        client.post(reverse("admin:login"), {"username": officer.email, "password": f"sai-{i}"})
    response = client.post(reverse("admin:login"), {"username": officer.email, "password": PASSWORD})
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_is_limited_while_the_cache_is_away(client, cache_redis_down):
    user = UserFactory()
    statuses = [client.post(reverse("account_reset_password"), {"email": user.email}).status_code for _ in range(7)]
    assert statuses == [302] * 5 + [429] * 2  # RATE_LIMITS["reset_password_email"]: 5 a minute


def test_pages_still_answer_while_the_cache_is_away(client, cache_redis_down):
    assert client.get(reverse("home")).status_code == 200
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_with_the_cache_up_the_counters_stay_in_redis(client, cache_redis):
    statuses = [client.post(reverse("lookup:lookup"), {"code": f"X-{i}"}).status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]
    assert not RateLimitCounter.objects.exists()
