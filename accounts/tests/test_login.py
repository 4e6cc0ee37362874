import time

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.middleware import ACTIVITY_KEY

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra})


def test_login_page_has_labels_and_remember_me(client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_login">' in html
    assert "Tự động đăng nhập lần sau" in html
    assert "Quên mật khẩu?" in html


def test_login_refused_before_activation_and_resends_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, user.email)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1  # a fresh activation link


def test_login_accepted_after_activation(client):
    user = UserFactory()
    response = login(client, user.email.upper())
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    page = client.get(reverse("home")).content.decode()
    assert user.full_name in page
    assert "Đăng xuất" in page


def test_wrong_password_gives_clear_message_and_keeps_email(client):
    user = UserFactory()
    response = login(client, user.email, "sai-mat-khau")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Email hoặc mật khẩu không đúng" in html
    assert f'value="{user.email}"' in html
    assert "sai-mat-khau" not in html


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    UserFactory(email="co-that@example.vn")
    unknown = login(client, "khong-co@example.vn", "sai-mat-khau").content.decode()
    wrong = login(client, "co-that@example.vn", "sai-mat-khau").content.decode()
    assert "Email hoặc mật khẩu không đúng" in unknown
    assert "Email hoặc mật khẩu không đúng" in wrong


def test_without_remember_me_session_ends_with_browser(client):
    user = UserFactory()
    login(client, user.email)
    assert client.session.get_expire_at_browser_close()


def test_remember_me_keeps_session_for_two_weeks(client):
    user = UserFactory()
    login(client, user.email, remember="on")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600


def test_idle_session_without_remember_me_is_logged_out(client):
    user = UserFactory()
    login(client, user.email)
    session = client.session
    session[ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_remembered_session_is_not_idle_logged_out(client):
    user = UserFactory()
    login(client, user.email, remember="on")
    session = client.session
    session[ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_login_is_rate_limited_after_repeated_failures(client):
    user = UserFactory()
    statuses = [login(client, user.email, f"sai-{i}").status_code for i in range(6)]
    assert statuses[:5] == [200] * 5
    response = login(client, user.email)  # even the right password is refused for now
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "quá nhiều lần" in html


def test_logout_from_account_menu(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("account_logout")}"' in html
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("home")).content.decode()
    assert "Đăng nhập" in page and "Đăng ký" in page


def test_inactive_account_cannot_log_in(client):
    user = UserFactory(is_active=False)
    login(client, user.email)
    assert "_auth_user_id" not in client.session


def test_names_are_escaped_in_the_account_menu(client):
    user = UserFactory(full_name="<b>Hacker</b>")
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert "<b>Hacker</b>" not in html
    assert "&lt;b&gt;Hacker&lt;/b&gt;" in html
