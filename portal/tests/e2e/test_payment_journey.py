"""Paying a fee online (issue 21), through the real pages of the live portal, at 1280 px and 360 px.

A citizen sends a dossier of a toàn trình procedure with a fee ("pay when sending"): the sent page,
the dossier page and "Hồ sơ đã đăng ký" say "Chờ thanh toán" with the amount and a "Thanh toán"
button. Through the gateway (the local simulator speaking VNPAY's protocol, as for `make run`) the
citizen cancels, is declined (a clear state and a way to try again each time), then pays with the
notification delayed: back on the portal the payment is still pending (the return address proves
nothing); the gateway's notification, delivered server to server the way the simulator delivers
it, makes it paid; the receipt PDF downloads. A second dossier, of an agency that takes fees by
bank transfer, shows its VietQR code.

Every page touched is audited (axe-core WCAG 2.1 A/AA, nothing cut off); at 360 px nothing on a
payment page scrolls sideways either. With PORTAL_SCREENS_DIR=docs/screens the 360 px run saves
the screenshots 30–35 of the payment pages there.
"""

import json
import re
import secrets
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from .checks import assert_nothing_scrolls_sideways, audit, save_screen
from .live import LivePortal
from .steps import heading, messages, portal_login

pytestmark = pytest.mark.e2e

# The demo catalogue's toàn trình procedures with a fee, and their agencies' providers
# (`load_demo_payments`): Cầu Giấy through the gateway (simulator), Sở Tư pháp by VietQR.
GATEWAY = {
    "procedure": "2.000720",  # Đăng ký thành lập hộ kinh doanh
    "agency": "UBND-PHUONG-CAUGIAY",
    "amount": "100.000 đ",
    "answers": {
        "ten_ho_kinh_doanh": "Hộ kinh doanh Bánh cuốn Thanh Vân",
        "dia_diem_kinh_doanh": "15 Trần Thái Tông, phường Cầu Giấy, Hà Nội",
        "nganh_nghe": "Dịch vụ ăn uống",
        "von_kinh_doanh": "200000000",
        "email_lien_he": "thanh.van@example.vn",
    },
}
VIETQR = {
    "procedure": "2.000488",  # Cấp Phiếu lý lịch tư pháp
    "agency": "STP-HN",
    "amount": "200.000 đ",
    "answers": {
        "loai_phieu": "Phiếu lý lịch tư pháp số 1",
        "so_luong_phieu": "2",
        "muc_dich": "Bổ sung hồ sơ xin việc",
        "noi_cu_tru_tu_14_tuoi": "12 Hàng Bài, Hoàn Kiếm, Hà Nội",
    },
}

SETUP = """
from accounts.models import User
from dossiers.tests.factories import AttachmentFactory, DossierFactory
from procedures.models import Procedure

citizen = User.objects.get(email=%(email)r)
for code, procedure_code, answers in %(drafts)r:
    procedure = Procedure.objects.get(code=procedure_code)
    draft = DossierFactory(
        owner=citizen, procedure=procedure, code=code, form_data=answers,
        steps_done=["applicant", "form", "attachments"],
    )
    for document in procedure.documents.filter(is_required=True):
        AttachmentFactory(dossier=draft, document=document, name="ban-chup.pdf")
"""

ORDER = "from dossiers.payments import simulator; import json; print(json.dumps(simulator.order(%r)))"


def draft_code(agency: str) -> str:
    return f"{agency}-261206-{secrets.token_hex(3).upper()}"


@pytest.fixture
def citizen_with_drafts(live_portal: LivePortal):
    """A citizen with two complete drafts (one per provider) ready to send."""
    email, password = f"thanh.toan.{secrets.token_hex(3)}@example.vn", "Thanh-toan-mat-khau-91"
    live_portal.manage("load_demo_payments")
    live_portal.create_user(
        email,
        password,
        full_name="Trần Thanh Vân",
        citizen_id="001192088888",
        phone="0912345678",
        address="12 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
        address_province="01",
        address_commune="00070",
        address_street="12 Hàng Bài",
    )
    codes = {"gateway": draft_code(GATEWAY["agency"]), "vietqr": draft_code(VIETQR["agency"])}
    drafts = [
        (codes["gateway"], GATEWAY["procedure"], GATEWAY["answers"]),
        (codes["vietqr"], VIETQR["procedure"], VIETQR["answers"]),
    ]
    live_portal.shell(SETUP % {"email": email, "drafts": drafts})
    return email, password, codes


class Journey:
    """The checks of every page, and the screenshots of the 360 px run."""

    def __init__(self, page: Page, *, phone: bool):
        self.page, self.phone = page, phone

    def check(self, screen: str = "") -> None:
        audit(self.page)
        if self.phone:
            assert_nothing_scrolls_sideways(self.page)
            if screen:
                save_screen(self.page, screen)


def fee(page: Page):
    return page.locator("#fee")


def send(page: Page, journey: Journey, code: str, amount: str) -> None:
    """Send the draft from its review page; the sent page asks for the fee."""
    page.goto(f"/dossiers/{code}/edit/review/")
    journey.check()
    page.get_by_label("Tôi xin cam đoan", exact=False).check()
    page.locator("input[name=captcha_1]").fill("PASSED")
    page.get_by_role("button", name="Gửi đi").click()
    expect(heading(page)).to_have_text("Hồ sơ của bạn đã được gửi")
    expect(fee(page)).to_contain_text("Chờ thanh toán")
    expect(fee(page)).to_contain_text(amount)
    expect(fee(page).get_by_role("link", name="Thanh toán", exact=True)).to_be_visible()
    journey.check()


def simulator_plays(page: Page, journey: Journey, scenario: str, *, screen: str = "") -> str:
    """On the simulated gateway: choose what happens; returns the gateway order's reference."""
    expect(heading(page)).to_have_text("Cổng thanh toán mô phỏng")
    order = page.locator("main dl dd").first.inner_text().strip()
    journey.check(screen)
    page.locator(f"input[name=scenario][value={scenario}]").check()
    page.get_by_role("button", name="Tiếp tục").click()
    expect(heading(page)).to_have_text("Thanh toán lệ phí")
    return order


def deliver_notification(portal: LivePortal, order: str) -> dict:
    """The gateway's IPN, server to server: what the simulator signed for this order, sent to the
    portal's IPN address (as the simulator does, only later)."""
    params = json.loads(portal.shell(ORDER % order).strip().splitlines()[-1])
    assert params, f"the simulator has no order {order}"
    url = portal.url("/payments/simulator/ipn/?" + urllib.parse.urlencode(params))
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our loopback server
        return json.loads(response.read())


def pay_through_the_gateway(page: Page, portal: LivePortal, journey: Journey, code: str) -> None:
    amount = GATEWAY["amount"]
    send(page, journey, code, amount)

    # The dossier page and "Hồ sơ đã đăng ký" show the fee and the button too.
    page.goto(f"/dossiers/{code}/")
    expect(fee(page)).to_contain_text("Chờ thanh toán")
    expect(fee(page)).to_contain_text(amount)
    journey.check()
    page.goto("/dossiers/")
    card = page.locator("li.dossier-card").filter(has_text=code)
    expect(card.get_by_role("link", name=f"Thanh toán {amount}")).to_be_visible()
    journey.check()

    # "Thanh toán" on the dossier page: the payment page, then the gateway.
    page.goto(f"/dossiers/{code}/")
    fee(page).get_by_role("link", name="Thanh toán", exact=True).click()
    expect(heading(page)).to_have_text("Thanh toán lệ phí")
    expect(page.locator("main")).to_contain_text(amount)
    journey.check("30-payment-choose")
    pay_button = page.get_by_role("button", name=re.compile(r"^Thanh toán"))

    # Cancelled at the gateway, then declined: a clear state and a way to try again each time.
    pay_button.click()
    simulator_plays(page, journey, "cancel", screen="31-payment-simulator")
    expect(messages(page)).to_contain_text("Thanh toán không thành công")
    expect(page.locator("main .status")).to_have_text("Thanh toán không thành công")
    journey.check("34-payment-failed")
    page.get_by_role("button", name=f"Thanh toán lại {amount}").click()
    simulator_plays(page, journey, "fail")
    expect(page.locator("main .status")).to_have_text("Thanh toán không thành công")
    journey.check()

    # Paid, but the notification is late: back on the portal it is pending, nothing to pay again.
    page.get_by_role("button", name=f"Thanh toán lại {amount}").click()
    order = simulator_plays(page, journey, "late")
    expect(messages(page)).to_contain_text("Đang chờ cổng thanh toán xác nhận")
    expect(page.locator("main .status")).to_have_text("Chờ thanh toán")
    expect(page.get_by_role("button", name=re.compile("^Thanh toán"))).to_have_count(0)
    journey.check("35-payment-pending")

    # The notification arrives: paid; the receipt downloads.
    assert deliver_notification(portal, order)["RspCode"] == "00"
    page.get_by_role("link", name="Kiểm tra lại").click()
    expect(page.locator("main .status")).to_have_text("Đã thanh toán")
    receipt = page.get_by_role("link", name="Biên lai điện tử (PDF)")
    expect(receipt).to_be_visible()
    journey.check("33-payment-paid")
    pdf = page.request.get(receipt.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    # Delivered again: harmless.
    assert deliver_notification(portal, order)["RspCode"] == "02"

    page.goto(f"/dossiers/{code}/")
    expect(fee(page)).to_contain_text("Đã thanh toán")
    expect(fee(page).get_by_role("link", name="Biên lai điện tử (PDF)")).to_be_visible()
    journey.check()
    page.goto("/dossiers/")
    card = page.locator("li.dossier-card").filter(has_text=code)
    expect(card.get_by_role("link", name=re.compile("^Thanh toán"))).to_have_count(0)
    journey.check()


def pay_by_vietqr(page: Page, journey: Journey, code: str) -> None:
    amount = VIETQR["amount"]
    send(page, journey, code, amount)
    fee(page).get_by_role("link", name="Thanh toán", exact=True).click()
    expect(heading(page)).to_have_text("Thanh toán lệ phí")
    qr = page.locator("main figure svg")
    expect(qr).to_be_visible()
    main = page.locator("main")
    for text in (amount, "0011004455667", "SO TU PHAP HA NOI"):
        expect(main).to_contain_text(text)
    journey.check("32-payment-vietqr")
    # The QR fits the screen and stays large enough to scan.
    box = qr.bounding_box()
    assert box["width"] >= 160, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def test_a_citizen_pays_fees_at_a_desk(page: Page, live_portal: LivePortal, citizen_with_drafts):
    email, password, codes = citizen_with_drafts
    portal_login(page, email, password, "/dossiers/")
    journey = Journey(page, phone=False)
    pay_through_the_gateway(page, live_portal, journey, codes["gateway"])
    pay_by_vietqr(page, journey, codes["vietqr"])


def test_a_citizen_pays_fees_on_a_360px_phone(mobile_page: Page, live_portal: LivePortal, citizen_with_drafts):
    email, password, codes = citizen_with_drafts
    portal_login(mobile_page, email, password, "/dossiers/")
    journey = Journey(mobile_page, phone=True)
    pay_through_the_gateway(mobile_page, live_portal, journey, codes["gateway"])
    pay_by_vietqr(mobile_page, journey, codes["vietqr"])
