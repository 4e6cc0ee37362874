"""The anonymous page cache (portal/pagecache.py): fast for everyone, never someone else's page."""

import re

import pytest
from captcha.models import CaptchaStore
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client
from django.test.client import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory
from portal.pagecache import CAPTCHA_HOLE, CSRF_HOLE
from procedures import services
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CAPTCHA_KEY_RE = re.compile(r'name="captcha_0" value="([^"]+)"')


def queries_of(client, url, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def test_catalogue_pages_are_served_from_the_cache_the_second_time():
    procedure = ProcedureFactory(name="Đăng ký khai sinh")
    for url, params, shown in (
        (reverse("procedures:list"), {"q": "khai sinh"}, procedure.name),
        (procedure.get_absolute_url(), {}, procedure.name),
        (reverse("procedures:agencies"), {}, procedure.agency.name),
        (reverse("procedures:agency", args=[procedure.agency.code]), {}, procedure.name),
    ):
        first, cold = queries_of(Client(), url, **params)
        second, warm = queries_of(Client(), url, **params)
        assert cold > 0 and warm == 0, url
        assert shown in first and shown in second
        for html in (first, second):
            assert CSRF_HOLE not in html and CAPTCHA_HOLE not in html


def test_each_visitor_of_a_cached_home_page_gets_a_fresh_captcha_that_works(captcha_ok):
    dossier = DossierFactory(sent=True)
    keys = []
    for attempt in range(3):
        html, queries = queries_of(Client(), reverse("home"))
        # From the cache, with a captcha from the pool the first page stored (accounts.captchas).
        assert attempt == 0 or queries == 0
        keys.append(CAPTCHA_KEY_RE.search(html).group(1))
        assert f"/captcha/image/{keys[-1]}/" in html
    assert len(set(keys)) == 3
    assert CaptchaStore.objects.filter(hashkey__in=keys).count() == 3
    # The captcha of a cached page is a real one: solving it looks the dossier up.
    client = Client(enforce_csrf_checks=True)
    html = client.get(reverse("home")).content.decode()
    key = CAPTCHA_KEY_RE.search(html).group(1)
    store = CaptchaStore.objects.get(hashkey=key)
    data = {
        "csrfmiddlewaretoken": CSRF_RE.search(html).group(1),
        "code": dossier.code,
        "captcha_0": key,
        "captcha_1": store.response,
    }
    response = client.post(reverse("lookup:lookup"), data)
    assert response.status_code == 200
    assert "lookup-result" in response.content.decode()


def test_the_csrf_token_of_a_cached_page_is_the_visitors_own():
    ProcedureFactory()
    url = reverse("procedures:list")
    first = Client(enforce_csrf_checks=True)
    first.get(url)
    second = Client(enforce_csrf_checks=True)
    html = second.get(url).content.decode()  # from the cache
    token = CSRF_RE.search(html).group(1)
    assert "csrftoken" in second.cookies
    response = second.post(reverse("set_language"), {"csrfmiddlewaretoken": token, "language": "en", "next": url})
    assert response.status_code == 302
    # Another visitor's cookie does not go with this token.
    assert first.post(reverse("set_language"), {"csrfmiddlewaretoken": token, "language": "en"}).status_code == 403


def test_languages_are_cached_apart():
    ProcedureFactory()
    url = reverse("procedures:agencies")
    assert "Cơ quan" in Client().get(url).content.decode()
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(url).content.decode()
    assert 'lang="en"' in html and "Agencies" in html
    assert 'lang="vi"' in Client().get(url).content.decode()


def test_a_logged_in_user_never_gets_or_leaves_the_anonymous_page():
    procedure = ProcedureFactory()
    url = procedure.get_absolute_url()
    anonymous_html, _ = queries_of(Client(), url)
    user = UserFactory(full_name="Nguyễn Thị Mai")
    client = Client()
    client.force_login(user)
    html, queries = queries_of(client, url)
    assert "Nguyễn Thị Mai" in html and queries > 0
    later, _ = queries_of(Client(), url)
    assert "Nguyễn Thị Mai" not in later
    assert later == anonymous_html.replace(CSRF_RE.search(anonymous_html).group(1), CSRF_RE.search(later).group(1))


def test_a_pending_message_is_shown_not_cached():
    procedure = ProcedureFactory()
    url = procedure.get_absolute_url()
    queries_of(Client(), url)  # cached
    client = Client()
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, "Bạn đã đăng xuất.")
    response = client.get("/")  # any response to carry the cookie
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    html, queries = queries_of(client, url)
    assert "Bạn đã đăng xuất." in html and queries > 0
    assert "Bạn đã đăng xuất." not in queries_of(Client(), url)[0]


def test_a_catalogue_change_shows_on_the_next_request(django_capture_on_commit_callbacks):
    procedure = ProcedureFactory(name="Cấp bản sao văn bằng")
    url = procedure.get_absolute_url()
    list_url = reverse("procedures:list")
    assert "Cấp bản sao văn bằng" in queries_of(Client(), url)[0]
    assert "Cấp bản sao văn bằng" in queries_of(Client(), list_url)[0]
    procedure.name = "Cấp bản sao văn bằng, chứng chỉ"
    with django_capture_on_commit_callbacks(execute=True):
        services.procedure_save(procedure=procedure)
    assert "Cấp bản sao văn bằng, chứng chỉ" in queries_of(Client(), url)[0]
    assert "Cấp bản sao văn bằng, chứng chỉ" in queries_of(Client(), list_url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.procedures_set_published(procedures=type(procedure).objects.filter(pk=procedure.pk), published=False)
    assert Client().get(url).status_code == 404
    assert "Cấp bản sao văn bằng" not in queries_of(Client(), list_url)[0]


def test_error_pages_are_not_cached():
    url = "/procedures/9.999999/"
    assert Client().get(url).status_code == 404
    procedure = ProcedureFactory(code="9.999999")
    assert Client().get(url).status_code == 200
    assert procedure.name in Client().get(url).content.decode()


def test_a_cached_page_and_its_version_are_read_in_one_round_trip(monkeypatch):
    """The catalogue counter and the page come from one MGET; a page stored for another value of
    the counter, or with the counter lost from the cache, is rendered again, never served."""
    from django.core.cache import cache

    from procedures.selectors import CACHE_VERSION_KEY

    procedure = ProcedureFactory(name="Đăng ký thường trú")
    url = procedure.get_absolute_url()
    queries_of(Client(), url)
    calls = []
    for name in ("get", "get_many"):
        original = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    html, queries = queries_of(Client(), url)
    assert queries == 0 and calls == ["get_many"] and procedure.name in html

    # Another counter (a change made through a path that bypassed the rendered page): rendered again.
    type(procedure).objects.filter(pk=procedure.pk).update(name="Đăng ký tạm trú")
    cache.incr(CACHE_VERSION_KEY)
    html, queries = queries_of(Client(), url)
    assert queries > 0 and "Đăng ký tạm trú" in html
    # The counter lost (an evicted or flushed cache): set again to a value no stored page has,
    # even one stored when the counter started at 1.
    cache.set(CACHE_VERSION_KEY, 1, None)
    queries_of(Client(), url)
    type(procedure).objects.filter(pk=procedure.pk).update(name="Đăng ký lưu trú")
    cache.delete(CACHE_VERSION_KEY)
    html, queries = queries_of(Client(), url)
    assert queries > 0 and "Đăng ký lưu trú" in html and cache.get(CACHE_VERSION_KEY) not in (None, 1)
    assert queries_of(Client(), url)[1] == 0
