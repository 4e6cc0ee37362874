"""The layout's fragment cache (it must never show one visitor's or one language's header to
another) and the cached lookup box."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_cached_layout_follows_the_language(client):
    """The layout's fragments are cached per language: each address shows its own."""
    client.get("/")  # fills the fragments in Vietnamese
    vietnamese = client.get("/").content.decode()
    assert "Đăng nhập" in vietnamese and 'lang="vi" hreflang="vi" aria-current="true"' in vietnamese
    english = client.get("/en/").content.decode()
    assert 'lang="en" hreflang="en" aria-current="true"' in english
    assert "Log in" in english and "Đăng nhập" not in english
    assert "Đăng nhập" in client.get("/").content.decode()


def test_cached_layout_never_shows_one_visitor_the_other_s_header(client):
    client.get(reverse("home"))
    user = UserFactory(full_name="Trần Thị Hoa")
    client.force_login(user)
    logged_in = client.get(reverse("home")).content.decode()
    assert "Trần Thị Hoa" in logged_in and reverse("account_logout") in logged_in
    client.logout()
    anonymous = client.get(reverse("home")).content.decode()
    assert "Trần Thị Hoa" not in anonymous and reverse("account_login") in anonymous


def test_captcha_store_has_an_expiration_index():
    """Every captcha check deletes the expired rows first: without an index that scans the table
    that every home page view grows (lookup/migrations/0001_captcha_expiration_index.py)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "captcha_captchastore")
    assert any(c["index"] and c["columns"] == ["expiration"] for c in constraints.values())


def test_empty_lookup_box_renders_like_the_uncached_form(rf):
    """The lookup box renders its fields from cached markup: the same as every field rendered in turn,
    empty or with a code (escaped), with a fresh captcha each time."""
    import re

    from django.template.loader import render_to_string

    from lookup.forms import LookupForm

    def normalised(html: str) -> str:
        html = re.sub(r'value="[0-9a-f]{40}"', 'value="KEY"', html)  # the captcha key
        html = re.sub(r"/captcha/image/[0-9a-f]{40}/", "/captcha/image/KEY/", html)
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r"\s+", " ", html).strip()

    request = rf.get("/")
    for auto_id in ("lookup_%s", "id_%s"):
        for initial in ({}, {"code": "SGDDT-HN-261120-AB3CDE"}, {"code": 'A"><B&'}):
            for _ in range(2):  # the second time from the cache
                form = LookupForm(auto_id=auto_id, initial=initial)
                cached = render_to_string("lookup/_lookup_form.html", {"form": form}, request)
            form = LookupForm(auto_id=auto_id, initial=initial)
            plain = render_to_string("includes/form_fields.html", {"form": form}, request)
            assert normalised(plain) in normalised(cached)
            assert f'id="{auto_id % "code"}"' in cached
    assert 'value="A&quot;&gt;&lt;B&amp;"' in cached
