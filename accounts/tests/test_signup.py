import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.constants import AccountType
from accounts.models import OutgoingEmail, User

from .factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
STRONG = "Mot-mat-khau-rat-manh-91"


def personal_data(captcha_ok, **over):
    data = {
        "account_type": "personal",
        "full_name": "Nguyễn Thị Hoa",
        "date_of_birth": "1992-03-04",
        "gender": "female",
        "citizen_id": "001192012345",
        "phone": "0912 345 678",
        "email": "hoa@example.vn",
        "password1": STRONG,
        "password2": STRONG,
        **captcha_ok,
    }
    data.update(over)
    return data


def org_data(captcha_ok, **over):
    data = {
        "account_type": "organisation",
        "organisation_name": "Công ty Cổ phần Sao Mai",
        "tax_code": "0101234567-001",
        "legal_representative": "Lê Văn Minh",
        "phone": "+84243825555",
        "email": "saomai@example.vn",
        "password1": STRONG,
        "password2": STRONG,
        **captcha_ok,
    }
    data.update(over)
    return data


def activation_link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_signup_page_shows_personal_fields_captcha_and_reset(client):
    html = client.get(SIGNUP).content.decode()
    assert 'name="address_province"' not in html  # asked on the profile and the first dossier
    assert "Số CCCD" in html or "CCCD" in html
    assert 'name="citizen_id"' in html
    assert 'name="tax_code"' not in html
    assert 'name="captcha_1"' in html
    assert 'type="reset"' in html and "Thiết lập lại" in html


def test_signup_page_for_organisation_shows_its_fields(client):
    html = client.get(SIGNUP + "?type=organisation").content.decode()
    assert 'name="tax_code"' in html and 'name="legal_representative"' in html
    assert 'name="citizen_id"' not in html


def test_personal_signup_creates_inactive_account_and_sends_activation(
    client, captcha_ok, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, personal_data(captcha_ok))
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="hoa@example.vn")
    assert user.account_type == AccountType.PERSONAL
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.citizen_id == "001192012345"
    assert user.phone == "0912345678"  # normalised
    assert user.tax_code == ""
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hoa@example.vn"]
    assert "Kích hoạt" in mail.outbox[0].subject
    assert OutgoingEmail.objects.get().status == "sent"
    # Not logged in until activated.
    assert "_auth_user_id" not in client.session


def test_organisation_signup(client, captcha_ok, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP + "?type=organisation", org_data(captcha_ok))
    assert response.status_code == 302
    user = User.objects.get(email="saomai@example.vn")
    assert user.is_organisation
    assert user.organisation_name == "Công ty Cổ phần Sao Mai"
    assert user.tax_code == "0101234567-001"
    assert user.display_name == "Công ty Cổ phần Sao Mai"
    assert user.citizen_id == "" and user.date_of_birth is None
    assert len(mail.outbox) == 1


def test_activation_link_activates_and_logs_in(client, captcha_ok, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, personal_data(captcha_ok))
    link = activation_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Xác nhận" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="hoa@example.vn").verified
    assert client.session.get("_auth_user_id")


def form_errors(response) -> dict:
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"captcha_1": "WRONG"}, "captcha", "Mã xác nhận không đúng"),
        ({"citizen_id": "12345"}, "citizen_id", "12 chữ số"),
        ({"citizen_id": "00119201234X"}, "citizen_id", "12 chữ số"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", None),
        ({"password2": "Khac-mat-khau-999"}, "password2", None),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "tương lai"),
        ({"date_of_birth": "31/02/1990"}, "date_of_birth", None),
        ({"full_name": "A" * 101}, "full_name", None),
        ({"full_name": "<script>alert(1)</script>"}, "full_name", "chỉ được chứa chữ cái"),
        ({"phone": "12345"}, "phone", "số điện thoại"),
        ({"email": "not-an-email"}, "email", None),
        ({"gender": ""}, "gender", None),
    ],
)
def test_personal_signup_rejects_bad_input_beside_the_field(client, captcha_ok, over, field, message):
    data = personal_data(captcha_ok, **over)
    response = client.post(SIGNUP, data)
    assert response.status_code == 200
    errors = form_errors(response)
    assert field in errors, errors
    html = response.content.decode()
    if message:
        assert message in html
    assert "error-summary" in html
    # What the user typed is kept, passwords excepted.
    assert 'value="001192012345"' in html or field == "citizen_id"
    assert STRONG not in html
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"tax_code": "12345"}, "tax_code"),
        ({"tax_code": "0101234567-1"}, "tax_code"),
        ({"organisation_name": ""}, "organisation_name"),
        ({"organisation_name": "Công ty <b>X</b>"}, "organisation_name"),
        ({"legal_representative": ""}, "legal_representative"),
    ],
)
def test_organisation_signup_rejects_bad_input(client, captcha_ok, over, field):
    response = client.post(SIGNUP + "?type=organisation", org_data(captcha_ok, **over))
    assert response.status_code == 200
    assert field in form_errors(response)
    html = response.content.decode()
    assert 'name="tax_code"' in html  # still the organisation form
    assert "saomai@example.vn" in html
    assert not User.objects.exists()


def test_html_in_names_is_escaped_when_echoed(client, captcha_ok):
    response = client.post(SIGNUP, personal_data(captcha_ok, full_name='"><img src=x onerror=alert(1)>'))
    html = response.content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_duplicate_email_does_not_reveal_the_account(client, captcha_ok, django_capture_on_commit_callbacks):
    UserFactory(email="hoa@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, personal_data(captcha_ok, email="HOA@example.vn"))
    # Same answer as a fresh signup; the owner of the address is told by email instead.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="hoa@example.vn").count() == 1
    assert len(mail.outbox) == 1
    assert "đã tồn tại" in mail.outbox[0].subject


def test_wrong_captcha_keeps_typed_values(client, captcha_ok):
    response = client.post(SIGNUP, personal_data(captcha_ok, captcha_1="nope"))
    html = response.content.decode()
    assert 'value="Nguyễn Thị Hoa"' in html
    assert 'value="hoa@example.vn"' in html


def test_tampered_account_type_falls_back_to_personal(client, captcha_ok):
    response = client.post(SIGNUP, personal_data(captcha_ok, account_type="admin"))
    assert response.status_code == 200
    assert "account_type" in form_errors(response)
