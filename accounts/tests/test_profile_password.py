import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def test_profile_requires_login(client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_personal_profile_shows_and_edits_own_fields(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert f'value="{user.citizen_id}"' in html
    assert 'name="tax_code"' not in html
    response = client.post(
        PROFILE,
        {
            "full_name": "Nguyễn   Văn Bình",
            "date_of_birth": "17/05/1990",
            "gender": "male",
            "citizen_id": "001090000111",
            "phone": "0987.654.321",
            "address_province": "01",
            "address_commune": "00070",
            "address_street": "1 Đinh Tiên Hoàng",
            "language": "en",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Nguyễn Văn Bình"
    assert user.citizen_id == "001090000111"
    assert user.phone == "0987654321"
    assert user.address == "1 Đinh Tiên Hoàng, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert user.language == "en"
    assert "Đã lưu thông tin cá nhân" in client.get(PROFILE).content.decode()


def test_organisation_edits_its_own_fields(client):
    user = UserFactory(organisation=True)
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert 'name="citizen_id"' not in html and 'name="tax_code"' in html
    response = client.post(
        PROFILE,
        {
            "organisation_name": "Hợp tác xã Bình Minh",
            "tax_code": "0312345678",
            "legal_representative": "Phạm Văn Cường",
            "phone": "0283 822 1111",
            "address_province": "79",
            "address_commune": "26740",
            "address_street": "10 Lê Lợi",
            "language": "vi",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.organisation_name == "Hợp tác xã Bình Minh"
    assert user.tax_code == "0312345678"
    assert user.display_name == "Hợp tác xã Bình Minh"
    assert user.address == "10 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"


def test_profile_errors_keep_input(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        PROFILE,
        {
            "full_name": "Lê Thị Cúc",
            "date_of_birth": "2999-01-01",
            "gender": "female",
            "citizen_id": "abc",
            "phone": "0912345678",
            "address_province": "46",
            "address_commune": "",
            "address_street": "5 Lê Lợi",
            "language": "vi",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ngày sinh không được ở tương lai" in html
    assert "Số CCCD phải gồm đúng 12 chữ số" in html
    assert 'value="Lê Thị Cúc"' in html
    user.refresh_from_db()
    assert user.full_name != "Lê Thị Cúc"


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("account_change_password")
    bad = client.post(url, {"oldpassword": "sai", "password1": "Moi-mat-khau-2027", "password2": "Moi-mat-khau-2027"})
    assert bad.status_code == 200
    assert "Vui lòng nhập mật khẩu hiện tại" in bad.content.decode()
    ok = client.post(url, {"oldpassword": PASSWORD, "password1": "Moi-mat-khau-2027", "password2": "Moi-mat-khau-2027"})
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Moi-mat-khau-2027")


def test_password_reset_by_email(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": "Mat-khau-moi-2027", "password2": "Mat-khau-moi-2027"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-2027")


def test_password_reset_for_unknown_email_looks_the_same(client, django_capture_on_commit_callbacks):
    UserFactory(email="co@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": "co@example.vn"})
        unknown = client.post(reverse("account_reset_password"), {"email": "khong@example.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    # The unknown address is told no account exists (only its owner reads that).
    assert {m.to[0] for m in mail.outbox} == {"co@example.vn", "khong@example.vn"}
    assert User.objects.count() == 1


def test_email_page_shows_own_address_only(client):
    user = UserFactory()
    other = UserFactory()
    client.force_login(user)
    html = client.get(reverse("account_email")).content.decode()
    assert user.email in html and other.email not in html
    assert "Đặt làm email chính" not in html  # one address per account: changed, never added
