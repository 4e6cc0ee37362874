"""The admin login is throttled like the citizens' login (issue 23, item 2).

Reproduction: 30 wrong passwords for an officer's email on /admin/login/ were all answered 200
with no lockout, and the 31st (right) one logged in.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")
LOCKED = "Bạn đã đăng nhập sai quá nhiều lần"


def admin_login(client, email, password, **extra):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"}, **extra)


def test_thirty_wrong_passwords_lock_the_officer_and_the_right_one_then_waits(client):
    officer = UserFactory(staff=True)
    answers = [admin_login(client, officer.email, f"doan-sai-{i}") for i in range(30)]
    assert [a.status_code for a in answers] == [200] * 30
    assert "_auth_user_id" not in client.session
    texts = [a.content.decode() for a in answers]
    assert not any(LOCKED in t for t in texts[:5])  # the first five are plain failures
    assert all(LOCKED in t for t in texts[5:])  # then the citizens' message, every time
    right = admin_login(client, officer.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    # The 31st attempt is over the client's "login" rate: the 429 page, as at the
    # citizens' door; the account's lock would refuse it anyway.
    assert right.status_code == 429
    assert "Quá nhiều lần thử" in right.content.decode()


def test_the_lock_is_per_account_whatever_the_case_or_the_client_address(client):
    officer = UserFactory(staff=True)
    for i in range(5):
        admin_login(client, officer.email.upper(), f"sai-{i}", REMOTE_ADDR=f"10.1.0.{i}")
    answer = admin_login(client, officer.email, PASSWORD, REMOTE_ADDR="10.1.0.99")
    assert LOCKED in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_client_address_guessing_many_accounts_is_locked(client):
    officers = UserFactory.create_batch(11, staff=True)
    for officer in officers[:10]:
        admin_login(client, officer.email, "sai", REMOTE_ADDR="10.2.0.1")
    answer = admin_login(client, officers[10].email, PASSWORD, REMOTE_ADDR="10.2.0.1")
    assert LOCKED in answer.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = admin_login(client, officers[10].email, PASSWORD, REMOTE_ADDR="10.2.0.2")
    assert elsewhere.status_code == 302  # another address, an account that never failed: in
    assert int(client.session["_auth_user_id"]) == officers[10].pk


def test_failures_at_the_citizens_door_count_at_the_admins_door(client):
    officer = UserFactory(staff=True)
    for i in range(5):
        client.post(reverse("account_login"), {"login": officer.email, "password": f"sai-{i}"})
    answer = admin_login(client, officer.email, PASSWORD)
    assert LOCKED in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_at_the_admins_door_count_at_the_citizens_door(client):
    officer = UserFactory(staff=True)
    for i in range(5):
        admin_login(client, officer.email, f"sai-{i}")
    answer = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    assert "quá nhiều lần" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_admin_login_attempts_from_one_address_get_the_429_page(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/d", "login_failed_ip": None}
    officer = UserFactory(staff=True)
    statuses = [admin_login(client, officer.email, PASSWORD).status_code for _ in range(4)]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3] == 429


def test_an_officer_with_the_right_password_logs_in(client):
    officer = UserFactory(staff=True)
    answer = admin_login(client, officer.email, PASSWORD)
    assert answer.status_code == 302
    assert int(client.session["_auth_user_id"]) == officer.pk
