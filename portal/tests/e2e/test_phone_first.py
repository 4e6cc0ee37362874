"""Every public and citizen page on a 360 px phone: nothing to scroll sideways (not even a table
inside its own box), the page's primary action within the first two screens, the wizard's head
(title, codes and steps) within a third of the first screen, and axe-core clean.

With PORTAL_SCREENS_DIR set (e.g. docs/screens), a full-page screenshot of each page is saved
there at 360 CSS pixels: `PORTAL_SCREENS_DIR=docs/screens pytest portal/tests/e2e/test_phone_first.py`.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .checks import assert_nothing_scrolls_sideways, assert_within_screens, audit, save_screen, screens_down
from .live import LivePortal
from .steps import portal_login

pytestmark = pytest.mark.e2e

CITIZEN = ("hoa.dien.thoai@example.vn", "Hoa-dien-thoai-mat-khau-91")
PROCEDURE = "1.005092"  # the demo catalogue's "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"

SETUP = """
from django.core.files.base import ContentFile
from accounts.models import User
from dossiers.constants import AttachmentKind
from dossiers.tests.factories import AttachmentFactory, DossierFactory, VALID_ANSWERS, pdf_bytes
from procedures.models import Procedure

citizen = User.objects.get(email=%(email)r)
procedure = Procedure.objects.get(code=%(procedure)r)
documents = list(procedure.documents.all())
def dossier(code, **traits):
    return DossierFactory(owner=citizen, procedure=procedure, code=code, **traits)
draft = dossier("SGDDT-HN-261206-DRAFT1")
dossier("SGDDT-HN-261206-SENT22", sent=True)
dossier("SGDDT-HN-261206-PROG33", in_progress=True)
asked = dossier("SGDDT-HN-261206-BOSUNG", supplement_requested=True)
AttachmentFactory(dossier=asked, document=documents[0], name="don-de-nghi-cap-ban-sao.pdf")
AttachmentFactory(dossier=asked, document=documents[1], name="anh-cccd-mat-truoc.png")
ready = dossier(
    "SGDDT-HN-261206-READY1",
    steps_done=["applicant", "form", "attachments"],
    form_data={
        "loai_van_bang": "Bằng tốt nghiệp trung học phổ thông",
        "ho_ten_nguoi_duoc_cap": "Nguyễn Thị Hoa",
        "ngay_sinh_nguoi_duoc_cap": "1992-03-04",
        "nam_tot_nghiep": "2010",
        "truong_hoi_dong_thi": "THPT Chu Văn An, Hà Nội",
        "so_ban_sao": "2",
    },
)
AttachmentFactory(dossier=ready, document=documents[0], name="don-de-nghi-cap-ban-sao.pdf")
AttachmentFactory(dossier=ready, document=documents[1], name="anh-cccd.png")
done = dossier("SGDDT-HN-261206-KETQUA", finished=True)
AttachmentFactory(dossier=done, document=documents[0], name="don-de-nghi-cap-ban-sao.pdf")
AttachmentFactory(dossier=done, kind=AttachmentKind.RESULT, name="ban-sao-bang-tot-nghiep-THPT.pdf")
print("DRAFT", draft.code)
"""


def check_page(page: Page, name: str, primary, *, strict: bool = True) -> None:
    """The checks every page gets; `primary` is the locator of its primary action."""
    page.evaluate("window.scrollTo(0, 0)")
    audit(page)
    if strict:
        assert_nothing_scrolls_sideways(page)
    expect(primary.first).to_be_visible()
    assert_within_screens(page, primary.first)
    save_screen(page, name)


@pytest.fixture
def citizen_with_dossiers(live_portal: LivePortal):
    email, password = CITIZEN
    live_portal.create_user(
        email,
        password,
        full_name="Nguyễn Thị Hoa",
        citizen_id="001192099999",
        phone="0912345678",
        address="12 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
        address_province="01",
        address_commune="00070",
        address_street="12 Hàng Bài",
    )
    live_portal.shell(SETUP % {"email": email, "procedure": PROCEDURE})
    return email, password


def test_public_pages_fit_a_360px_phone(mobile_page: Page):
    page = mobile_page
    page.goto("/")
    check_page(page, "01-home", page.locator("form.home-search button[type=submit]"))
    page.goto("/procedures/?q=ban+sao")
    check_page(page, "02-procedures", page.locator("ol.procedure-list > li h3 a"))
    page.goto(f"/procedures/{PROCEDURE}/")
    check_page(page, "03-procedure-detail", page.locator("p.apply-action a"))
    # The documents' table reflows: every template link is on screen, nothing to scroll to.
    expect(page.locator("table.documents-table").get_by_role("link", name=re.compile("^Tải mẫu")).first).to_be_visible()
    page.goto("/agencies/")
    check_page(page, "04-agencies", page.locator("main a").first)
    page.goto("/lookup/")
    check_page(page, "05-lookup", page.locator("main form button[type=submit]"))
    page.goto("/accounts/login/")
    check_page(page, "06-login", page.locator("main form button[type=submit]"))
    page.goto(f"/accounts/login/?next=/dossiers/new/{PROCEDURE}/")
    expect(page.locator("main .notice")).to_contain_text("Đăng nhập để tiếp tục")
    check_page(page, "07-login-from-submit", page.locator("main form button[type=submit]"))
    page.goto("/accounts/signup/")
    check_page(page, "08-signup", page.locator("main form input:not([type=hidden])"))
    page.goto("/khong-co-trang-nay/")
    check_page(page, "09-not-found", page.locator("main form button[type=submit]"))


def test_citizen_pages_fit_a_360px_phone(mobile_page: Page, citizen_with_dossiers):
    page = mobile_page
    email, password = citizen_with_dossiers
    portal_login(page, email, password, "/dossiers/")

    # "Hồ sơ đã đăng ký": cards with their actions as buttons; tabs only where there is something.
    cards = page.locator("li.dossier-card")
    expect(cards).to_have_count(6)
    expect(page.locator(".pill-tabs")).not_to_contain_text("(0)")
    draft = cards.filter(has_text="SGDDT-HN-261206-DRAFT1")
    for action in ("Sửa", "Gửi đi", "Xóa"):
        expect(draft.get_by_role("link", name=action)).to_be_visible()
    check_page(page, "10-my-dossiers", cards.first.locator(".card-actions a"))  # the newest dossier's action

    page.goto("/dossiers/SGDDT-HN-261206-KETQUA/")
    check_page(page, "11-dossier-result", page.locator(".result-panel a.button"))
    assert screens_down(page, page.locator(".result-panel")) < 1  # the result on the first screen

    page.goto("/dossiers/SGDDT-HN-261206-BOSUNG/supplement/")
    expect(page.locator("section.slot").first).to_contain_text("don-de-nghi-cap-ban-sao.pdf")  # sent before
    check_page(page, "12-supplement", page.locator("section.slot input[type=file]"))

    page.goto("/dossiers/SGDDT-HN-261206-SENT22/")
    check_page(page, "13-dossier-sent", page.get_by_role("link", name="Rút hồ sơ"))
    page.get_by_role("link", name="Rút hồ sơ").click()
    check_page(page, "14-withdraw-confirm", page.get_by_role("button", name="Có, rút hồ sơ"))

    page.goto("/dossiers/SGDDT-HN-261206-SENT22/receipt/")
    check_page(page, "15-receipt", page.locator("main .actions a").first, strict=True)

    page.goto("/accounts/profile/")
    check_page(page, "16-profile", page.locator("main form input:not([type=hidden])"))

    # The wizard: its head within a third of the first screen, the first field on the first screen.
    page.goto(f"/dossiers/new/{PROCEDURE}/")
    check_wizard_head(page)
    check_page(page, "20-wizard-new", page.locator("main form input:not([type=hidden])"))
    page.goto("/dossiers/SGDDT-HN-261206-DRAFT1/edit/applicant/")
    check_wizard_head(page)
    check_page(page, "21-wizard-applicant", page.locator("main form input:not([type=hidden])"))
    page.goto("/dossiers/SGDDT-HN-261206-DRAFT1/edit/form/")
    check_wizard_head(page)
    check_page(page, "22-wizard-form", page.locator("main form input:not([type=hidden])"))
    page.goto("/dossiers/SGDDT-HN-261206-DRAFT1/edit/attachments/")
    check_wizard_head(page)
    check_page(page, "23-wizard-attachments", page.locator("section.slot input[type=file]"))
    page.goto("/dossiers/SGDDT-HN-261206-DRAFT1/edit/review/")
    check_wizard_head(page)
    check_page(page, "24-wizard-review-to-fix", page.locator(".error-summary a").first)  # what to fix, at the top
    # A dossier ready to send: a short summary, then the declaration and "Gửi đi" within the first
    # two screens (the whole dossier, with its links to change it, comes after them).
    page.goto("/dossiers/SGDDT-HN-261206-READY1/edit/review/")
    check_wizard_head(page)
    expect(page.locator(".error-summary")).to_have_count(0)
    assert_within_screens(page, page.locator("input[name=declaration]"))
    check_page(page, "24-wizard-review", page.get_by_role("button", name="Gửi đi"))
    assert screens_down(page, page.get_by_role("button", name="Gửi đi")) < screens_down(
        page, page.locator("#dossier-content")
    )

    # The lookup's answer comes into view with the focus.
    page.goto("/lookup/?code=SGDDT-HN-261206-KETQUA")
    audit(page)
    page.locator("input[name=captcha_1]").fill("PASSED")
    page.locator("main form").get_by_role("button", name="Tra cứu").click()
    expect(page.locator(".lookup-result")).to_be_focused()
    check_page(page, "25-lookup-answer", page.locator(".lookup-result h2"))
    assert screens_down(page, page.locator(".lookup-result h2")) < 1


def check_wizard_head(page: Page) -> None:
    head = page.evaluate(
        """() => {
            const top = document.querySelector('.wizard .eyebrow').getBoundingClientRect().top;
            const bottom = document.querySelector('.wizard-progress').getBoundingClientRect().bottom;
            return bottom - top;
        }"""
    )
    third = page.viewport_size["height"] / 3
    assert head <= third, f"the wizard's head is {head:.0f}px tall on {page.url}, more than a third ({third:.0f}px)"
