"""NUL and other control characters in an address are refused before any view or query
(issue 23, item 4): a 404 for a path, a 400 for a query value or name.

Reproduction: ``/procedures/1.005095%00/``, ``/agencies/SGDDT-HN%00/``, ``/dossiers/<code>%00/``
and ``/admin/dossiers/dossier/?status__exact=%00`` raised ``psycopg.DataError`` (PostgreSQL text
cannot hold NUL): a 500 and a traceback in the log for anyone who asked.
"""

import itertools

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

# Values tried for a URL's parameters until the pattern reverses (admin app labels are a choice).
SAMPLES = ("1", "x", "accounts")


def named_patterns() -> list[str]:
    names = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                names.append((f"{namespace}:{p.name}" if namespace else p.name, list(p.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, None)
    return names


def sample_paths() -> list[str]:
    """One address per named URL pattern of the URLconf, its parameters filled with samples."""
    paths = set()
    for name, params in named_patterns():
        for values in itertools.product(SAMPLES, repeat=len(params)):
            try:
                paths.add(reverse(name, kwargs=dict(zip(params, values, strict=True))))
                break
            except NoReverseMatch:
                continue
        else:
            raise AssertionError(f"no sample address for {name}")
    return sorted(paths)


def with_nul(path: str) -> str:
    """``path`` with a NUL at the end of its last segment (before a trailing slash)."""
    return path[:-1] + "%00/" if path.endswith("/") else path + "%00"


def test_the_walk_covers_the_urlconf():
    paths = sample_paths()
    assert len(paths) > 60  # the portal's pages, allauth's, the admin's
    assert {"/procedures/1/", "/dossiers/1/", "/admin/accounts/user/1/change/"} <= set(paths)


@pytest.mark.parametrize("path", sample_paths())
def test_a_nul_in_any_path_is_a_404_before_any_query(client, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(with_nul(path))
    assert response.status_code == 404


@pytest.mark.parametrize("path", sample_paths())
def test_a_nul_in_any_query_value_is_a_400_before_any_query(client, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path, {"q": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "address",
    [
        "/procedures/?q=khai%01sinh",
        "/procedures/?q%00=1",
        "/lookup/?code=SGDDT%0A",
        "/statistics/?agency=%1F",
        "/en/procedures/?q=%7F",
    ],
)
def test_other_control_characters_in_the_query_are_a_400(client, address):
    assert client.get(address).status_code == 400


@pytest.mark.parametrize("address", ["/procedures/1.005095%01/", "/agencies/SGDDT-HN%0D%0A/", "/en/agencies/%7F/"])
def test_other_control_characters_in_the_path_are_a_404(client, address):
    assert client.get(address).status_code == 404


def test_the_reproductions_no_longer_reproduce(client):
    owner = UserFactory()
    dossier = DossierFactory(owner=owner, sent=True)
    client.force_login(owner)
    assert client.get("/procedures/1.005095%00/").status_code == 404
    assert client.get("/agencies/SGDDT-HN%00/").status_code == 404
    assert client.get(f"/dossiers/{dossier.code}%00/").status_code == 404
    client.force_login(UserFactory(staff=True, is_superuser=True))
    response = client.get("/admin/dossiers/dossier/?status__exact=%00")
    assert response.status_code == 400
    assert "400.html" in [t.name for t in response.templates]


def test_ordinary_addresses_still_answer(client):
    assert client.get("/procedures/", {"q": "khai sinh"}).status_code == 200
    assert client.get("/lookup/", {"code": "SGDDT-HN-261120-AB3CDE"}).status_code == 200
