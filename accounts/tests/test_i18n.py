import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_vietnamese_is_the_default(client):
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="vi">' in html
    assert "Cổng Dịch vụ công" in html and "Đăng nhập" in html


def test_browser_language_does_not_override_vietnamese(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html


def test_language_switch_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})
    assert response.status_code == 302
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en">' in html
    assert "Public Service Portal" in html and "Remember me on this device" in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Tự động đăng nhập lần sau" in client.get(reverse("account_login")).content.decode()


def test_settings_are_vietnamese_first():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_vietnamese_catalogue_is_complete():
    """Every msgid has a translation and none is fuzzy: msgfmt --statistics lists only 'translated'."""
    po = Path(settings.BASE_DIR) / "locale/vi/LC_MESSAGES/django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=True
    )
    stats = result.stderr.strip()
    assert "translated" in stats
    assert "untranslated" not in stats and "fuzzy" not in stats, stats
