"""Walk the URLconf: every view that takes an object's id or code is proved closed to strangers.

A URL with a parameter is either listed in PUBLIC (with the reason it may be public) or has a
builder in OWNED that makes a URL to an object belonging to one citizen. The walk then asks it as
an anonymous visitor (login page or 404) and as another citizen (404, nothing changed). A new URL
with a parameter fails ``test_every_parametrised_url_is_covered`` until it is added here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import AttachmentFactory, DossierFactory, PaymentFactory

pytestmark = pytest.mark.django_db

PUBLIC = {
    "account_confirm_email": "the key in the URL is the secret itself (sent by email)",
    "account_reset_password_from_key": "the key in the URL is the secret itself (sent by email)",
    "captcha-image": "captcha pictures are public by design",
    "captcha-image-2x": "captcha pictures are public by design",
    "captcha-audio": "captcha sounds are public by design",
    "procedures:detail": "the public catalogue",
    "procedures:from_search": "counts an opening of a public procedure's search result, then on to it; 404 otherwise",
    "procedures:template": "form templates of published procedures are public documents",
    "procedures:agency": "the public catalogue",
    "dossiers:new": "takes a public procedure code; starting a dossier needs login (tested in dossiers)",
    "payments:verify": "a receipt's check by its unguessable reference (printed on it): no personal data",
}
# The Django admin is walked by the back-office suite (staff scoping per agency).
SKIP_NAMESPACES = ("admin",)


def _dossier(**traits):
    return DossierFactory(**traits)


def _code(**traits):
    return lambda: {"code": _dossier(**traits).code}


def _download():
    attachment = AttachmentFactory(dossier=_dossier(sent=True))
    return {"code": attachment.dossier.code, "pk": attachment.pk}


def _stored():
    from dossiers.services import store_keep

    attachment = AttachmentFactory(dossier=_dossier(sent=True))
    return store_keep(attachment=attachment, user=attachment.dossier.owner)


def _keep():
    attachment = AttachmentFactory(dossier=_dossier(sent=True))
    return {"code": attachment.dossier.code, "pk": attachment.pk}


OWNED = {
    "dossiers:detail": _code(sent=True),
    "dossiers:resume": _code(),
    "dossiers:step": lambda: {"code": _dossier().code, "step": "applicant"},
    "dossiers:delete": _code(),
    "dossiers:withdraw": _code(sent=True),
    "dossiers:sent": _code(sent=True),
    "dossiers:receipt": _code(sent=True),
    "dossiers:receipt_pdf": _code(sent=True),
    "dossiers:download": _download,
    "dossiers:supplement": _code(supplement_requested=True),
    "dossiers:rate": _code(finished=True),
    "dossiers:store_download": lambda: {"pk": _stored().pk},
    "dossiers:store_delete": lambda: {"pk": _stored().pk},
    "dossiers:keep": _keep,
    "dossiers:payment": lambda: {"code": PaymentFactory().dossier.code},
    "dossiers:payment_return": lambda: {"code": PaymentFactory().dossier.code},
    "dossiers:payment_receipt": lambda: {"code": PaymentFactory(paid=True).dossier.code},
}


def parametrised_url_names() -> set[str]:
    names = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in SKIP_NAMESPACES:
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if "<" in route or "(?P" in route:
                    names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "", None)
    return names


def test_every_parametrised_url_is_covered():
    assert parametrised_url_names() == set(PUBLIC) | set(OWNED)


@pytest.mark.parametrize("name", sorted(OWNED))
def test_anonymous_visitor_gets_login_or_404(client, name):
    url = reverse(name, kwargs=OWNED[name]())
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in (302, 404, 405), (name, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith(reverse("account_login")), (name, response.url)


@pytest.mark.parametrize("name", sorted(OWNED))
def test_another_citizen_gets_404_and_changes_nothing(client, name):
    kwargs = OWNED[name]()
    from dossiers.models import Dossier

    before = {d.code: (d.status, d.updated_at) for d in Dossier.objects.all()}
    client.force_login(UserFactory())
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code in (404, 405), name  # 405: POST-only views, for everyone alike
    # Read-only views refuse POST for everyone alike (405), which tells nothing about the dossier.
    assert client.post(url, {"action": "send", "declaration": "on", "confirm": "1", "score": "5"}).status_code in (
        404,
        405,
    ), name
    after = {d.code: (d.status, d.updated_at) for d in Dossier.objects.all()}
    assert before == after
