"""CSRF is enforced on every POST the portal answers, for visitors and logged-in citizens alike."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory

from .test_security_urls import OWNED, PUBLIC, parametrised_url_names

pytestmark = pytest.mark.django_db

PLAIN_URLS = [
    "home",
    "account_login",
    "account_signup",
    "account_logout",
    "account_reset_password",
    "account_change_password",
    "account_email",
    "accounts:profile",
    "lookup:lookup",
    "dossiers:list",
    "procedures:list",
    "procedures:agencies",
]


def urls_for(owner) -> list[str]:
    urls = [reverse(name) for name in PLAIN_URLS]
    for name, build in OWNED.items():
        kwargs = build()
        if "code" in kwargs and name != "dossiers:download":
            DossierFactory._meta.model.objects.filter(code=kwargs["code"]).update(owner=owner)
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def test_the_walk_covers_every_parametrised_url():
    assert parametrised_url_names() <= set(PUBLIC) | set(OWNED)


@pytest.mark.parametrize("logged_in", [False, True])
def test_post_without_csrf_token_is_refused_everywhere(logged_in):
    owner = UserFactory()
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(owner)
    refused = {}
    for url in urls_for(owner):
        response = client.post(url, {"code": "X", "login": owner.email, "password": "x", "language": "en"})
        refused[url] = response.status_code
    assert {url: status for url, status in refused.items() if status != 403} == {}
