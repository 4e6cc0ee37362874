"""Signup does the same work whether or not the email is registered (issue 23, item 1).

Reproduction: a valid personal signup answered in a median of 79 ms for a registered address and
438 ms for a new one: the new account's password hashing (PBKDF2) was the difference, so one try
per address told whether it had an account. Compared here is the work, not the time (a timing
assertion would be noise on a shared machine): the number of password hashes, and the emails
queued after commit. The times themselves: ``benchmarks/signup.py`` (docs/benchmarks/signup.md).
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.test_signup import personal_data

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting the passwords it hashes."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["portal.tests.test_security_signup.CountingHasher"]

    def count(action) -> int:
        before = CountingHasher.hashed
        action()
        return CountingHasher.hashed - before

    return count


def signup(client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    return len(callbacks)


def test_a_registered_address_costs_the_same_hashing_as_a_new_one(
    client, captcha_ok, hashes, django_capture_on_commit_callbacks
):
    UserFactory(email="co-roi@example.vn")
    counts = {}
    for email in ("moi@example.vn", "co-roi@example.vn"):
        data = personal_data(captcha_ok, email=email, citizen_id="001192000001")
        counts[email] = hashes(lambda data=data: signup(client, data, django_capture_on_commit_callbacks))
    assert counts == {"moi@example.vn": 1, "co-roi@example.vn": 1}
    assert User.objects.filter(email="co-roi@example.vn").count() == 1


def test_both_answers_queue_one_email_sent_after_commit(client, captcha_ok, django_capture_on_commit_callbacks):
    UserFactory(email="co-roi@example.vn")
    capture = django_capture_on_commit_callbacks
    new = signup(client, personal_data(captcha_ok, email="moi@example.vn"), capture)
    registered = signup(client, personal_data(captcha_ok, email="co-roi@example.vn"), capture)
    assert new == registered == 1  # the outbox's delivery, after commit
    assert sorted(m.to[0] for m in mail.outbox) == ["co-roi@example.vn", "moi@example.vn"]
