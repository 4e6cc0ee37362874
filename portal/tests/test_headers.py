import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_security_headers_on_pages(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_or_handlers_in_templates():
    """The CSP forbids inline scripts, so none may exist (they would silently stop working)."""
    import re
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", text):
            offenders.append(f"{path}: {match.group(0)}")
        if re.search(r"\son[a-z]+=\"", text) or 'style="' in text:
            offenders.append(f"{path}: inline handler or style attribute")
    assert offenders == []
