"""The confirmation code (captcha), as django-simple-captcha checks it: one attempt per picture,
expired codes refused and purged."""

import datetime

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone

from accounts.forms import PortalCaptchaField

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


def test_checking_purges_expired_captchas_and_leaves_live_ones_alone(real_check):
    expired, live, mine = new_captcha(minutes=-1), new_captcha(), new_captcha()
    assert check(mine.hashkey, "abcde")
    assert list(CaptchaStore.objects.values_list("pk", flat=True)) == [live.pk]
    assert not CaptchaStore.objects.filter(pk=expired.pk).exists()


def test_each_form_shown_stores_its_own_captcha(client):
    from django.urls import reverse

    before = CaptchaStore.objects.count()
    first = client.get(reverse("lookup:lookup")).content.decode()
    second = client.get(reverse("lookup:lookup")).content.decode()
    assert CaptchaStore.objects.count() == before + 2
    key = 'name="captcha_0" value="'
    assert first[first.index(key) :][:60] != second[second.index(key) :][:60]
