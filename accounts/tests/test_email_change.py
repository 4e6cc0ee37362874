"""One email address per account, changed with the password and confirmed from the new address
(issue 23, item 8).

Reproduction: on /accounts/email/ a user could add another person's address as a second one, and
the portal sent that person an activation email (spam, harassment), as often as wanted.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = reverse("account_email")


def change(client, email, password=PASSWORD):
    return client.post(EMAIL, {"action_add": "", "email": email, "password": password})


@pytest.fixture
def user(client):
    user = UserFactory(email="cu@example.vn")
    client.force_login(user)
    return user


def test_without_the_right_password_nothing_is_added_and_nobody_is_emailed(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, "nguoi-khac@example.vn", "sai-mat-khau")
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html and "Mật khẩu không đúng" in html
    assert 'value="nguoi-khac@example.vn"' in html  # what was typed is kept, the password is not
    assert "sai-mat-khau" not in html
    assert not EmailAddress.objects.filter(email="nguoi-khac@example.vn").exists()
    assert mail.outbox == []


def test_the_new_address_replaces_the_old_one_only_once_confirmed_from_it(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, "moi@example.vn")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["moi@example.vn"]]
    user.refresh_from_db()
    assert user.email == "cu@example.vn"  # not yet
    page = client.get(EMAIL).content.decode()
    assert "moi@example.vn" in page and "Hủy thay đổi" in page
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    client.post(link)
    user.refresh_from_db()
    assert user.email == "moi@example.vn"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == ["moi@example.vn"]


def test_a_second_change_replaces_the_pending_one_an_account_never_holds_two(client, user):
    change(client, "mot@example.vn")
    change(client, "hai@example.vn")
    assert sorted(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "cu@example.vn",
        "hai@example.vn",
    ]


def test_changes_are_rate_limited_per_user(client, user):
    statuses = [change(client, f"thu{i}@example.vn").status_code for i in range(11)]
    assert statuses == [302] * 10 + [429]


def test_the_addresses_of_other_accounts_stay_theirs(client, user):
    other = UserFactory(email="da-co@example.vn")
    change(client, "da-co@example.vn")
    assert User.objects.get(pk=other.pk).email == "da-co@example.vn"
    assert not EmailAddress.objects.filter(user=user, email="da-co@example.vn", verified=True).exists()
