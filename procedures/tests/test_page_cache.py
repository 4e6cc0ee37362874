"""The catalogue's public pages cached whole for anonymous visitors (core.decorators): the same
bytes for everyone, never a logged-in user's page, a catalogue change shown on the next request."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from procedures import services
from procedures.selectors import CACHE_VERSION_KEY

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return response, len(captured.captured_queries)


@pytest.fixture
def pages():
    procedure = ProcedureFactory(name="Đăng ký khai sinh")
    return procedure, [
        (reverse("procedures:list"), {"q": "khai sinh"}),
        (procedure.get_absolute_url(), {}),
        (reverse("procedures:agencies"), {}),
        (reverse("procedures:agency", args=[procedure.agency.code]), {}),
    ]


def test_two_anonymous_visitors_get_the_same_bytes_the_second_from_the_cache(pages):
    _, urls = pages
    for url, params in urls:
        (first, cold), (second, warm) = get(Client(), url, **params), get(Client(), url, **params)
        # A search from the cache is still counted for the staff (one UPDATE, views.procedure_list).
        assert cold > 0 and warm == (1 if "q" in params else 0), url
        assert first.content == second.content, url
        assert not first.cookies and not second.cookies, url  # nothing per visitor: no CSRF cookie
        assert first["Cache-Control"] == second["Cache-Control"] == "public, max-age=0, s-maxage=10", url
        assert b"csrfmiddlewaretoken" not in first.content


def test_a_logged_in_user_never_gets_nor_leaves_the_cached_copy(pages):
    _, urls = pages
    member = Client()
    member.force_login(UserFactory(full_name="Nguyễn Thị Mai"))
    for url, params in urls:
        anonymous, _ = get(Client(), url, **params)
        response, queries = get(member, url, **params)
        assert "Nguyễn Thị Mai" in response.content.decode() and queries > 0, url
        assert "private" in response["Cache-Control"], url
        assert get(member, url, **params)[1] > 0, url  # rendered again, never stored
        later, queries = get(Client(), url, **params)
        assert later.content == anonymous.content and queries == (1 if "q" in params else 0), url  # counted


def test_a_pending_message_is_shown_not_cached(pages):
    procedure, _ = pages
    url = procedure.get_absolute_url()
    cached, _ = get(Client(), url)
    client = Client()
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.INFO, "Bạn đã đăng xuất.")
    response = client.get("/healthz/")  # any response to carry the cookie
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    response, queries = get(client, url)
    assert "Bạn đã đăng xuất." in response.content.decode() and queries > 0
    assert "private" in response["Cache-Control"]
    assert get(Client(), url)[0].content == cached.content


def test_a_catalogue_change_shows_on_the_next_request(pages, django_capture_on_commit_callbacks):
    procedure, _ = pages
    url, list_url = procedure.get_absolute_url(), reverse("procedures:list")
    for address in (url, list_url):
        get(Client(), address)
        assert get(Client(), address)[1] == 0  # cached
    procedure.name = "Đăng ký khai sinh có yếu tố nước ngoài"
    with django_capture_on_commit_callbacks(execute=True):
        services.procedure_save(procedure=procedure)
    for address in (url, list_url):
        assert "có yếu tố nước ngoài" in get(Client(), address)[0].content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.procedures_set_published(procedures=type(procedure).objects.filter(pk=procedure.pk), published=False)
    assert Client().get(url).status_code == 404
    assert procedure.name not in get(Client(), list_url)[0].content.decode()


def test_a_lost_counter_starts_again_at_a_value_no_stored_page_has(pages):
    procedure, _ = pages
    url = procedure.get_absolute_url()
    cache.set(CACHE_VERSION_KEY, 1, None)
    get(Client(), url)
    type(procedure).objects.filter(pk=procedure.pk).update(name="Đăng ký lưu trú")
    cache.delete(CACHE_VERSION_KEY)  # evicted or flushed
    response, queries = get(Client(), url)
    assert queries > 0 and "Đăng ký lưu trú" in response.content.decode()
    assert cache.get(CACHE_VERSION_KEY) not in (None, 1)


def test_error_pages_are_not_cached():
    url = "/procedures/9.999999/"
    assert Client().get(url).status_code == 404
    procedure = ProcedureFactory(code="9.999999")
    assert procedure.name in Client().get(url).content.decode()


def test_languages_are_cached_apart(pages):
    url = reverse("procedures:agencies")
    assert 'lang="vi"' in Client().get(url).content.decode()
    english = Client().get("/en" + url).content.decode()
    assert 'lang="en"' in english and "Agencies" in english
    assert 'lang="vi"' in Client().get(url).content.decode()
