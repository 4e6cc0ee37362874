"""The warning before an idle session ends (WCAG 2.2.1) and the login page reached from a page
that needs an account."""

import time

import pytest
from django.urls import reverse

from accounts.middleware import ACTIVITY_KEY

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

KEEP_ALIVE = reverse("accounts:keep_alive")


def log_in(client, user, **extra):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD, **extra})


def test_a_session_that_can_time_out_carries_the_warning_and_its_button(client):
    log_in(client, UserFactory())
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="session-warning" data-timeout="1800"' in html
    assert 'role="alertdialog"' in html
    assert "Tiếp tục đăng nhập" in html
    assert f'action="{KEEP_ALIVE}"' in html


def test_a_remembered_session_has_no_warning(client):
    log_in(client, UserFactory(), remember="on")
    assert 'id="session-warning"' not in client.get(reverse("accounts:profile")).content.decode()


def test_stay_logged_in_counts_as_activity(client):
    log_in(client, UserFactory())
    session = client.session
    session[ACTIVITY_KEY] = int(time.time()) - 1700  # 28 minutes idle
    session.save()
    assert client.post(KEEP_ALIVE).status_code == 204
    assert int(time.time()) - client.session[ACTIVITY_KEY] < 5


def test_stay_logged_in_needs_a_session_and_a_post(client):
    assert client.post(KEEP_ALIVE).status_code == 302  # to the login page
    log_in(client, UserFactory())
    assert client.get(KEEP_ALIVE).status_code == 405


def test_the_login_page_reached_from_submit_says_why_and_keeps_next_through_signup(client):
    target = "/dossiers/new/1.005092/"
    html = client.get(reverse("account_login"), {"next": target}).content.decode()
    assert "Đăng nhập để tiếp tục" in html
    assert f'href="{reverse("account_signup")}?next=%2Fdossiers%2Fnew%2F1.005092%2F"' in html
    signup = client.get(reverse("account_signup"), {"next": target}).content.decode()
    assert f'value="{target}"' in signup  # carried by the form
    assert "next=%2Fdossiers%2Fnew%2F1.005092%2F" in signup  # and by the kind-of-account tabs


def test_the_plain_login_page_has_no_reason_box(client):
    assert "Đăng nhập để tiếp tục" not in client.get(reverse("account_login")).content.decode()


def test_an_organisation_profile_is_labelled_as_such(client):
    log_in(client, UserFactory(organisation=True))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "<h1>Hồ sơ tổ chức</h1>" in html
    assert "Sửa thông tin của tổ chức" in html
