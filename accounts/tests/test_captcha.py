"""The confirmation code (captcha): one attempt per picture, expired codes refused and purged."""

import datetime

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone

from accounts.forms import PortalCaptchaField
from accounts.tasks import purge_expired_captchas

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_check(settings):
    settings.CAPTCHA_TEST_MODE = False  # the test settings accept "PASSED"; these tests check real answers


def new_captcha(minutes: int = 10) -> CaptchaStore:
    return CaptchaStore.objects.create(
        challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=minutes)
    )


def check(key: str, answer: str) -> bool:
    from django import forms

    try:
        PortalCaptchaField().clean([key, answer])
    except forms.ValidationError as exc:
        assert exc.messages == ["Mã xác nhận không đúng. Vui lòng nhập các ký tự trong hình mới."]
        return False
    return True


def test_the_right_answer_is_accepted_once_whatever_its_case(real_check):
    store = new_captcha()
    assert check(store.hashkey, "  ABCde ")
    assert not CaptchaStore.objects.filter(pk=store.pk).exists()
    assert not check(store.hashkey, "abcde")  # a second use of the same picture


def test_a_wrong_answer_spends_the_picture(real_check):
    store = new_captcha()
    assert not check(store.hashkey, "xxxxx")
    assert not check(store.hashkey, "abcde")


def test_an_expired_or_unknown_captcha_is_refused(real_check):
    assert not check(new_captcha(minutes=-1).hashkey, "abcde")
    assert not check("no-such-key", "abcde")


def test_checking_leaves_other_visitors_captchas_alone_and_the_purge_takes_only_expired_ones(real_check):
    expired, live, mine = new_captcha(minutes=-1), new_captcha(), new_captcha()
    assert check(mine.hashkey, "abcde")
    assert CaptchaStore.objects.filter(pk__in=[expired.pk, live.pk]).count() == 2
    assert purge_expired_captchas() == 1
    assert list(CaptchaStore.objects.values_list("pk", flat=True)) == [live.pk]


def test_checking_is_one_query(real_check, django_assert_num_queries):
    store = new_captcha()
    with django_assert_num_queries(1):
        assert check(store.hashkey, "abcde")


def test_pooled_captchas_go_to_one_page_each_and_give_the_full_time_to_type(real_check):
    from accounts.captchas import BATCH, issue_key

    keys = [issue_key() for _ in range(BATCH + 3)]
    assert len(set(keys)) == len(keys)  # never the same picture on two pages
    assert CaptchaStore.objects.count() == 2 * BATCH  # two INSERTs of a batch, not one per page
    least = CaptchaStore.objects.filter(hashkey__in=keys).order_by("expiration").first()
    assert least.expiration >= timezone.now() + datetime.timedelta(minutes=10)
    store = CaptchaStore.objects.get(hashkey=keys[-1])
    assert store.response == store.response.lower() and len(store.response) == 5
    assert check(store.hashkey, store.response.upper())
    assert not check(store.hashkey, store.response)


def test_a_batch_is_not_handed_out_after_its_minute(real_check, monkeypatch):
    import time

    from accounts import captchas

    now = time.time()
    monkeypatch.setattr(captchas.time, "time", lambda: now)
    first = captchas.issue_key()
    monkeypatch.setattr(captchas.time, "time", lambda: now + captchas.SHELF_SECONDS)
    second = captchas.issue_key()  # a new minute: a new batch, the old one left to expire
    assert CaptchaStore.objects.count() == 2 * captchas.BATCH
    stores = {s.hashkey: s for s in CaptchaStore.objects.filter(hashkey__in=[first, second])}
    assert stores[second].expiration > stores[first].expiration


def test_without_redis_each_page_stores_its_own_captcha(real_check, settings):
    from accounts.captchas import issue_key

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "captcha-test"},
    }
    keys = [issue_key() for _ in range(3)]
    assert CaptchaStore.objects.filter(hashkey__in=keys).count() == CaptchaStore.objects.count() == 3


def test_while_redis_is_away_each_page_stores_its_own_captcha(real_check, settings):
    from accounts.captchas import issue_key

    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens
    }
    key = issue_key()
    assert CaptchaStore.objects.filter(hashkey=key).count() == CaptchaStore.objects.count() == 1


def test_spending_finds_the_captcha_by_its_key_however_many_are_live(real_check):
    """The statement deletes by key: PostgreSQL must use the key's index, not scan the live
    captchas by expiry (its estimate for the newest expiries invites that plan)."""
    from django.db import connection

    from accounts import captchas

    captchas.store_batch(expires=timezone.now() + datetime.timedelta(minutes=20), size=3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE captcha_captchastore")
        cursor.execute("EXPLAIN DELETE FROM captcha_captchastore WHERE hashkey = %s RETURNING expiration", ["x" * 40])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "hashkey" in plan and "expiration_idx" not in plan, plan
    store = new_captcha()
    assert check(store.hashkey, "abcde")


def test_a_returned_expiry_is_read_from_either_database():
    from portal.sqlvalues import aware_datetime, date_value

    sqlite_text = aware_datetime("2026-12-03 10:00:00.123456")  # SQLite returns UTC text
    assert sqlite_text == datetime.datetime(2026, 12, 3, 10, 0, 0, 123456, tzinfo=datetime.UTC)
    aware = timezone.now()
    assert aware_datetime(aware) is aware and aware_datetime(None) is None
    assert date_value("2026-12-03") == datetime.date(2026, 12, 3) and date_value(None) is None


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_a_batch_is_stored_alike_in_one_statement_or_through_the_orm(
    real_check, vendor, monkeypatch, django_assert_num_queries
):
    """``store_batch``: PostgreSQL's three-array INSERT and the ORM's ``bulk_create`` (any other
    database) store the same captchas: the keys returned, the expiry given, answers that pass."""
    from django.db import connections

    from accounts import captchas

    if vendor != "postgresql":
        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    expires = timezone.now().replace(microsecond=654321) + datetime.timedelta(minutes=12)
    with django_assert_num_queries(1):
        keys = captchas.store_batch(expires=expires, size=7)
    monkeypatch.undo()
    stores = list(CaptchaStore.objects.filter(hashkey__in=keys))
    assert len(set(keys)) == len(stores) == CaptchaStore.objects.count() == 7
    assert {s.expiration for s in stores} == {expires}
    assert all(s.challenge.lower() == s.response and len(s.hashkey) == 40 for s in stores)
    assert check(keys[3], CaptchaStore.objects.get(hashkey=keys[3]).response)
