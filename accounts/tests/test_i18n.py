import gettext
import os
import shutil
import subprocess
import sys
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


def test_language_switch_links_to_the_same_page_in_english_and_back(client):
    """The language is in the address: the switcher is two plain links (no form, no CSRF token),
    English under /en/, Vietnamese without a prefix, the query string kept."""
    html = client.get(reverse("account_login") + "?next=/dossiers/").content.decode()
    assert 'href="/en/accounts/login/?next=/dossiers/"' in html
    assert "set_language" not in html and "/i18n/setlang" not in html
    english = client.get("/en/accounts/login/").content.decode()
    assert '<html lang="en">' in english
    assert "Public Service Portal" in english and "Remember me on this device" in english
    assert 'href="/accounts/login/"' in english
    assert "Tự động đăng nhập lần sau" in client.get("/accounts/login/").content.decode()


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


def test_the_catalogue_has_every_string_of_the_source(tmp_path):
    """``make makemessages`` would add nothing: every translatable string of the code and the
    templates is in the Vietnamese catalogue (a string added without running it would show in
    English on a Vietnamese page while the catalogue looked complete)."""
    base = Path(settings.BASE_DIR)
    # Extracted from a copy of the sources: makemessages writes into any locale/ it walks past.
    copy = tmp_path / "src"
    skip = shutil.ignore_patterns(".*", "locale", "var", "node_modules", "test-artifacts", "static", "__pycache__")
    shutil.copytree(base, copy, ignore=skip)
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('makemessages', locale=['vi'], verbosity=0)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    subprocess.run([sys.executable, "-c", script], cwd=copy, env=env, check=True, capture_output=True, timeout=300)

    def msgids(po: Path) -> set:
        """The catalogue's msgids (with their contexts and plurals), through the gettext tools:
        ``msgen`` fills every entry so ``msgfmt`` keeps even untranslated ones."""
        filled, mo = tmp_path / f"{po.parent.parent.parent.name}-en.po", tmp_path / "catalogue.mo"
        subprocess.run(["msgen", "-o", str(filled), str(po)], check=True, capture_output=True)
        subprocess.run(["msgfmt", "-o", str(mo), str(filled)], check=True, capture_output=True)
        with mo.open("rb") as handle:
            return {key if isinstance(key, str) else key[0] for key in gettext.GNUTranslations(handle)._catalog} - {""}

    missing = msgids(copy / "locale/vi/LC_MESSAGES/django.po") - msgids(base / "locale/vi/LC_MESSAGES/django.po")
    assert not missing, f"run `make makemessages` and translate: {sorted(missing)}"
