import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def test_home_shows_search_lookup_popular_procedures_agencies_and_guide(client):
    popular = ProcedureFactory(name="Đăng ký khai sinh")
    quiet = ProcedureFactory(name="Đăng ký khai tử")
    for _ in range(3):
        DossierFactory(procedure=popular, sent=True)
    DossierFactory(procedure=quiet, sent=True)
    DossierFactory(procedure=quiet)  # drafts do not count
    html = client.get(reverse("home")).content.decode()
    assert "Tìm thủ tục hành chính" in html
    assert "Tra cứu hồ sơ" in html
    assert "Thủ tục được sử dụng nhiều nhất" in html
    assert html.index("Đăng ký khai sinh") < html.index("Đăng ký khai tử")
    assert "3 hồ sơ đã gửi" in html and "1 hồ sơ đã gửi" in html
    assert popular.agency.name in html
    assert "Các bước thực hiện" in html


def count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured.captured_queries)


def test_home_runs_a_constant_number_of_queries(client):
    DossierFactory(procedure=ProcedureFactory(), sent=True)
    cache.clear()
    cold_small = count_queries(client)
    assert count_queries(client) == 0  # the whole page from the cache
    for _ in range(15):
        DossierFactory(procedure=ProcedureFactory(), sent=True)
    cache.clear()
    assert count_queries(client) == cold_small
    assert count_queries(client) == 0


def test_the_lookup_box_opens_the_lookup_page_with_the_code(client):
    """A GET form with the code alone: the lookup page fills its box from ?code= and asks the
    confirmation code there, so the home page has no captcha and no CSRF token."""
    html = client.get(reverse("home")).content.decode()
    form = re.search(r'<form method="get" action="/lookup/" class="lookup-form"[^>]*>(.*?)</form>', html, re.S)
    assert form, "the home page's lookup box is a GET form to /lookup/"
    box = form.group(1)
    assert re.findall(r'name="([^"]+)"', box) == ["code"]
    assert '<label for="lookup_code">Mã hồ sơ' in box
    assert 'aria-describedby="lookup_code_helptext"' in box and "Mã in trên giấy tiếp nhận" in box
    assert "Trang tiếp theo sẽ hỏi mã xác nhận." in box
    assert "captcha" not in html and "csrfmiddlewaretoken" not in html
    page = client.get(reverse("lookup:lookup"), {"code": "hn-240101-abc234"}).content.decode()
    assert 'value="HN-240101-ABC234"' in page and 'name="captcha_1"' in page


def test_two_anonymous_visitors_get_the_same_bytes_and_a_logged_in_user_a_page_of_their_own():
    ProcedureFactory(name="Đăng ký khai sinh")
    url = reverse("home")
    first, second = Client().get(url), Client().get(url)
    assert first.content == second.content
    assert "no-cache" not in first["Cache-Control"] and "s-maxage" in first["Cache-Control"]
    assert not first.cookies and not second.cookies  # no CSRF cookie, no session
    english = Client().get("/en/").content.decode()
    assert 'lang="en"' in english and "Dossier lookup" in english  # each language its own copy

    member = Client()
    member.force_login(UserFactory(full_name="Nguyễn Thị Mai"))
    response = member.get(url)
    assert "Nguyễn Thị Mai" in response.content.decode() and "private" in response["Cache-Control"]
    assert Client().get(url).content == first.content  # and the anonymous copy is untouched


def test_the_404_page_offers_a_search_box_the_lookup_and_the_help_line(client):
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'action="/procedures/"' in html and 'name="q"' in html
    assert 'href="/lookup/"' in html
    assert "1900 0000" in html
