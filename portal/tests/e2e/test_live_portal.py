"""The e2e harness itself: what later journeys rely on (manage.py against the live database, static
files from the collected manifest, production headers over plain http)."""

import urllib.request

import pytest
from playwright.sync_api import expect

from .checks import audit

pytestmark = pytest.mark.e2e


def test_a_user_created_with_manage_py_logs_in_and_sees_the_admin_link(page, live_portal):
    live_portal.create_user("can.bo@example.vn", "Can-bo-mat-khau-2024", full_name="Lê Văn Cán", is_staff=True)
    assert "can.bo@example.vn" in live_portal.shell(
        "from accounts.models import User; print(User.objects.get(is_staff=True, email='can.bo@example.vn').email)"
    )

    page.goto("/accounts/login/")
    audit(page)
    page.locator("input[name=login]").fill("can.bo@example.vn")
    page.locator("input[name=password]").fill("Can-bo-mat-khau-2024")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("details.account-menu .account-name")).to_have_text("Lê Văn Cán")
    audit(page)
    page.locator("details.account-menu summary").click()
    expect(page.get_by_role("link", name="Trang quản trị")).to_have_attribute("href", "/admin/")


def test_served_with_production_settings(live_portal):
    with urllib.request.urlopen(live_portal.url("/")) as response:  # noqa: S310 - our loopback server
        html = response.read().decode()
        headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "/static/css/portal." in html and ".css" in html  # hashed name: the manifest storage is live
