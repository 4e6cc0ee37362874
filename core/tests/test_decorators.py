"""core.decorators.cache_page_for_anonymous on a bare view: what is stored, for whom, how long."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from core.decorators import cache_page_for_anonymous


@pytest.fixture
def page():
    """A view counting its renders, cached under a version the test changes."""
    state = SimpleNamespace(renders=0, version=1, status=200)

    @cache_page_for_anonymous(60, version=lambda: state.version)
    def view(request):
        state.renders += 1
        return HttpResponse(f"render {state.renders}", status=state.status)

    def call(path="/page/?a=1", *, method="get", user=None):
        request = getattr(RequestFactory(), method)(path)
        request.user = user or AnonymousUser()
        return view(request)

    state.call = call
    return state


def test_an_anonymous_get_is_rendered_once_per_address_and_version(page):
    first = page.call()
    assert page.call().content == first.content == b"render 1"
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert page.call("/page/?a=2").content == b"render 2"  # the query string is part of the address
    page.version = 2  # the catalogue changed
    assert page.call().content == b"render 3"


def test_a_logged_in_user_or_a_post_is_always_rendered_and_marked_private(page):
    page.call()
    for response in (page.call(user=SimpleNamespace(is_authenticated=True)), page.call(method="post")):
        assert response["Cache-Control"] == "private"
    assert page.renders == 3
    assert page.call().content == b"render 1"  # the anonymous copy was left alone


def test_only_successful_pages_are_stored(page):
    page.status = 404
    page.call()
    page.status = 200
    assert page.call().content == b"render 2"
