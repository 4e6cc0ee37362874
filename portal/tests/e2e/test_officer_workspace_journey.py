"""The officer's workspace (issue 20) as a team of one agency lives it, in a real browser.

An operator creates a receiver, two processors and a leader with `create_agency_staff`; five
dossiers are sent by citizens (through the live portal's shell: the wizard has its own tests).
The receiver opens the "waiting" queue from the admin home, receives three at once through the
confirmation page (which refuses nothing here) and assigns them to a processor in bulk; the
processor handles one from "assigned to me" to the result, previewing the citizen's file on the
page; the leader handles a dossier with a supplement round; the receiver transfers one to another
agency (the citizen gets an email); the leader sees the load per officer and an overdue dossier in
red. Clicks and page loads are counted from the opened queue to "result sent" and recorded in
docs/backoffice.md.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from dossiers.tests.factories import real_pdf_bytes

from .checks import audit
from .live import LivePortal
from .steps import admin_login, create_officer, open_action

pytestmark = pytest.mark.e2e

PASSWORD = "Can-bo-mat-khau-2026"
RECEIVER = "tiep.nhan@example.vn"
PROCESSOR = "xu.ly.mot@example.vn"
PROCESSOR_2 = "xu.ly.hai@example.vn"
LEADER = "lanh.dao@example.vn"
CITIZEN = ("cong.dan.lan@example.vn", "Lan-mat-khau-rat-manh-77")

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from dossiers import services, workflow
from dossiers.files import check_upload
from dossiers.models import AgencyReason
from dossiers.tests.factories import pdf_bytes
from accounts.models import User
from procedures.models import Agency, Field, Procedure, RequiredDocument

agency = Agency.objects.create(code="SOTP-E2E", name="Sở Tư pháp Thử nghiệm", level="department")
Agency.objects.create(code="PHUONG-E2E", name="UBND Phường Thử nghiệm", level="commune")
field = Field.objects.create(code="ho-tich-e2e", name="Hộ tịch")
procedure = Procedure.objects.create(
    code="1.999020", name="Cấp bản sao trích lục hộ tịch", agency=agency, field=field,
    service_level="full_online", processing_days=3,
)
document = RequiredDocument.objects.create(procedure=procedure, name="Tờ khai cấp bản sao", is_required=True)
AgencyReason.objects.create(agency=agency, kind="supplement", text="Tờ khai chưa có chữ ký của người yêu cầu.")
citizen = User.objects.get(email=%(citizen)r)
codes = []
for n in range(5):
    dossier = services.dossier_create_draft(
        owner=citizen, procedure=procedure,
        applicant={"applicant_name": f"Trần Thị Lan {n}", "applicant_id_number": "001192012345",
                   "applicant_phone": "0912345678",
                   "applicant_address": "5 Hàng Gai, Phường Hoàn Kiếm, Thành phố Hà Nội",
                   "applicant_province": "01", "applicant_commune": "00070", "applicant_street": "5 Hàng Gai",
                   "result_delivery": "online"},
    )
    upload = SimpleUploadedFile("to-khai.pdf", pdf_bytes(3000 + n), content_type="application/pdf")
    services.attachment_add(dossier=dossier, checked=check_upload(upload), user=citizen, document=document)
    for step in ("form", "attachments"):
        services.dossier_mark_step_done(dossier=dossier, step=step)
    workflow.dossier_send(dossier=dossier, user=citizen)
    codes.append(dossier.code)
print("CODES", " ".join(codes))
"""


class Counter:
    """Clicks the officer makes and pages the browser loads (main frame only)."""

    def __init__(self, page: Page):
        self.clicks = 0
        self.loads = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def reset(self) -> None:
        self.clicks = self.loads = 0

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()


def home_queue(page: Page, key: str):
    return page.locator(f".bo-queue-{key} a")


def done(page: Page) -> None:
    expect(page.locator(".messagelist")).to_contain_text("đã thực hiện")
    audit(page)


def test_a_team_receives_assigns_handles_and_transfers_from_its_queues(new_page, live_portal: LivePortal):
    live_portal.create_user(CITIZEN[0], CITIZEN[1], full_name="Trần Thị Lan")
    out = live_portal.shell(SETUP % {"citizen": CITIZEN[0]})
    match = re.search(r"CODES (.+)", out)
    assert match, out
    codes = match.group(1).split()
    for email, role, name in (
        (RECEIVER, "receiver", "Trần Tiếp Nhận"),
        (PROCESSOR, "processor", "Phạm Xử Lý"),
        (PROCESSOR_2, "processor", "Đỗ Xử Lý Hai"),
        (LEADER, "leader", "Lê Lãnh Đạo"),
    ):
        create_officer(live_portal, email, PASSWORD, "SOTP-E2E", name=name, role=role)

    # --- The receiver: five waiting; three received at once, then assigned at once.
    receiver = new_page()
    admin_login(receiver, RECEIVER, PASSWORD)
    receiver.goto("/admin/")
    expect(home_queue(receiver, "waiting")).to_contain_text("5")
    audit(receiver)
    home_queue(receiver, "waiting").click()
    expect(receiver.locator("#result_list tbody tr")).to_have_count(5)
    audit(receiver)
    first_three = codes[:3]
    for code in first_three:
        receiver.locator("#result_list tr", has_text=code).locator("input.action-select").check()
    receiver.locator("select[name=action]").select_option("receive_selected")
    receiver.locator("button[name=index]").click()
    expect(receiver.locator("#bo-bulk-rows tbody tr.bo-accepted")).to_have_count(3)
    audit(receiver)
    receiver.get_by_role("button", name="Đồng ý, thực hiện").click()
    expect(receiver.locator(".messagelist")).to_contain_text("3 hồ sơ")
    audit(receiver)
    receiver.goto("/admin/dossiers/dossier/?queue=unassigned")
    audit(receiver)
    receiver.locator("#action-toggle").check()
    receiver.locator("select[name=action]").select_option("assign_selected")
    receiver.locator("button[name=index]").click()
    expect(receiver.locator("#bo-bulk-rows tbody tr.bo-accepted")).to_have_count(3)
    audit(receiver)
    receiver.locator("select[name=assignee]").select_option(label="Phạm Xử Lý")
    receiver.get_by_role("button", name="Đồng ý, thực hiện").click()
    expect(receiver.locator(".messagelist")).to_contain_text("3 hồ sơ")
    audit(receiver)

    # --- The receiver transfers one to another agency; the citizen is told.
    receiver.goto("/admin/dossiers/dossier/?queue=waiting")
    audit(receiver)
    receiver.get_by_role("link", name=codes[4]).click()
    audit(receiver)
    open_action(receiver, "transfer")  # from the keyboard: the PDF previews above may resize the page
    receiver.locator("#id_transfer_to_agency").select_option(label="UBND Phường Thử nghiệm")
    receiver.locator("#id_transfer_reason").fill("Thuộc thẩm quyền của UBND phường.")
    receiver.locator("#action-transfer form [type=submit].default").press("Enter")
    expect(receiver.locator(".messagelist")).to_contain_text("đã thực hiện")
    audit(receiver)
    expect(receiver.locator("#result_list")).not_to_contain_text(codes[4])
    live_portal.mail.wait_for(CITIZEN[0], subject="chuyển")

    # --- The processor handles one from "assigned to me" to the result: counted.
    processor = new_page()
    admin_login(processor, PROCESSOR, PASSWORD)
    processor.goto("/admin/")
    expect(home_queue(processor, "mine")).to_contain_text("3")
    audit(processor)
    processor.goto("/admin/dossiers/dossier/?queue=mine")  # the queue is open: counting starts here
    audit(processor)
    simple = Counter(processor)
    simple.click(processor.get_by_role("link", name=first_three[0]))
    expect(processor.locator("#content h1")).to_contain_text(first_three[0])
    preview = processor.locator("iframe.bo-preview-pdf").first
    expect(preview).to_be_attached()
    assert processor.request.get(preview.get_attribute("src")).headers["content-type"] == "application/pdf"
    audit(processor)
    simple.click(processor.locator("#action-start form [type=submit].default"))
    done(processor)
    simple.clicks += 1  # choosing the result file is a click in the file dialog
    processor.locator("#id_finish_result_files").set_input_files(
        files=[{"name": "trich-luc.pdf", "mimeType": "application/pdf", "buffer": real_pdf_bytes("Trích lục hộ tịch")}]
    )
    simple.click(processor.locator("#action-finish form [type=submit].default"))
    done(processor)
    expect(processor.locator(".bo-status-finished").first).to_be_visible()
    simple_figures = (simple.clicks, simple.loads)
    assert simple.clicks <= 4 and simple.loads <= 4, simple_figures

    # --- The leader handles a waiting one with a supplement round: counted.
    leader = new_page()
    admin_login(leader, LEADER, PASSWORD)
    leader.goto("/admin/dossiers/dossier/?queue=waiting")
    audit(leader)
    round_trip = Counter(leader)
    round_trip.click(leader.get_by_role("link", name=codes[3]))
    audit(leader)
    round_trip.click(leader.locator("#action-receive .bo-receive-start"))
    done(leader)
    round_trip.click(leader.locator("#action-request_supplement summary"))
    leader.locator("#id_request_supplement_request").fill("Đề nghị ký vào tờ khai và gửi lại.")
    round_trip.click(leader.locator("#action-request_supplement form [type=submit].default"))
    done(leader)
    live_portal.shell(
        "from dossiers import workflow; from dossiers.models import Dossier; "
        f"d = Dossier.objects.get(code={codes[3]!r}); "
        "workflow.dossier_resubmit(dossier=d, user=d.owner, note='Tôi đã ký tờ khai.')"
    )
    leader.goto("/admin/dossiers/dossier/?queue=answered")  # back to the queue: a page load, no click
    audit(leader)
    round_trip.click(leader.get_by_role("link", name=codes[3]))
    audit(leader)
    round_trip.clicks += 1  # the result file
    leader.locator("#id_finish_result_files").set_input_files(
        files=[
            {"name": "trich-luc-2.pdf", "mimeType": "application/pdf", "buffer": real_pdf_bytes("Trích lục hộ tịch 2")}
        ]
    )
    round_trip.click(leader.locator("#action-finish form [type=submit].default"))
    done(leader)
    supplement_figures = (round_trip.clicks, round_trip.loads)
    assert round_trip.clicks <= 7, supplement_figures

    # --- The leader sees the load per officer and an overdue dossier in red.
    live_portal.shell(
        "import datetime; from django.utils import timezone; from dossiers.models import Dossier; "
        f"Dossier.objects.filter(code={first_three[1]!r}).update("
        "due_date=timezone.localdate() - datetime.timedelta(days=2))"
    )
    leader.goto("/admin/")
    audit(leader)
    load = leader.locator("#bo-load-table tr", has_text="Phạm Xử Lý")
    expect(load.locator("td").nth(1)).to_have_text("2")
    expect(load.locator(".bo-flag-overdue")).to_have_text("1")
    home_queue(leader, "overdue").click()
    audit(leader)
    row = leader.locator("#result_list tr", has_text=first_three[1])
    expect(row.locator(".bo-flag-overdue")).to_have_text("Quá hạn")
    assert row.evaluate("r => getComputedStyle(r).backgroundColor") == "rgb(253, 232, 232)"
    # At 1280 px the due date and its flag are on screen, the list does not scroll sideways.
    box = row.locator(".bo-flag-overdue").bounding_box()
    assert box and box["x"] + box["width"] <= 1280, box
    assert leader.evaluate("document.documentElement.scrollWidth") <= 1280
    print(f"FIGURES simple={simple_figures} supplement={supplement_figures}")
