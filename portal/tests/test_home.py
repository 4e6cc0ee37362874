import pytest
from django.core.cache import cache
from django.urls import reverse

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
    assert 'name="captcha_1"' in html
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
    assert count_queries(client) <= 1  # warm: only the captcha for the lookup box is written
    for _ in range(15):
        DossierFactory(procedure=ProcedureFactory(), sent=True)
    cache.clear()
    assert count_queries(client) == cold_small
    assert count_queries(client) <= 1
