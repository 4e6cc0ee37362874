"""The back office as an officer and a citizen live it, in a real browser against the live portal.

An operator creates two officers with `create_agency_staff`; a citizen's dossier is sent (set up
through the live portal's shell, as the wizard is covered by its own tests); the officer logs into
admin, receives it (the due date, in working days, is shown), starts it and asks for a supplement;
the citizen supplements it on the portal; the officer finishes it with a result file; the citizen
has the four emails (sent, received, supplement requested, finished) and downloads the result. An
officer of another agency sees none of it, also by typing the URLs. Admin pages are exempted from
axe (see checks.AXE_EXEMPT_PATH_PREFIXES); every citizen page is audited.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from dossiers.tests.factories import pdf_bytes, real_pdf_bytes

from .checks import audit
from .live import LivePortal
from .steps import admin_login, expected_due_date, open_action, portal_login, submit_action

pytestmark = pytest.mark.e2e

OFFICER = ("can.bo.tiep.nhan@example.vn", "Can-bo-mat-khau-2026")
OTHER_OFFICER = ("can.bo.khac@example.vn", "Can-bo-khac-mat-khau-2026")
CITIZEN = ("cong.dan.hoa@example.vn", "Hoa-mat-khau-rat-manh-91")

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from dossiers import services, workflow
from dossiers.files import check_upload
from dossiers.tests.factories import pdf_bytes
from accounts.models import User
from procedures.models import Agency, Field, Procedure, RequiredDocument

agency = Agency.objects.create(code="SGDDT-E2E", name="Sở Giáo dục và Đào tạo Thử nghiệm", level="department")
Agency.objects.create(code="UBND-E2E", name="UBND Phường Thử nghiệm", level="commune")
field = Field.objects.create(code="van-bang-e2e", name="Văn bằng, chứng chỉ")
procedure = Procedure.objects.create(
    code="1.999001", name="Cấp bản sao văn bằng tốt nghiệp", agency=agency, field=field,
    service_level="full_online", processing_days=5,
)
document = RequiredDocument.objects.create(procedure=procedure, name="Đơn đề nghị cấp bản sao", is_required=True)
citizen = User.objects.get(email=%(citizen)r)
dossier = services.dossier_create_draft(
    owner=citizen, procedure=procedure,
    applicant={"applicant_name": "Nguyễn Thị Hoa", "applicant_id_number": "001192012345",
               "applicant_phone": "0912345678", "applicant_address": "12 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
                   "applicant_province": "01", "applicant_commune": "00070", "applicant_street": "12 Hàng Bài",
               "result_delivery": "online"},
)
upload = SimpleUploadedFile("don-de-nghi.pdf", pdf_bytes(4000), content_type="application/pdf")
services.attachment_add(dossier=dossier, checked=check_upload(upload), user=citizen, document=document)
for step in ("form", "attachments"):
    services.dossier_mark_step_done(dossier=dossier, step=step)
workflow.dossier_send(dossier=dossier, user=citizen)
print("CODE", dossier.code, "PK", dossier.pk)
"""


def test_officer_and_citizen_take_a_dossier_from_sent_to_result(page: Page, browser, live_portal: LivePortal):
    live_portal.create_user(CITIZEN[0], CITIZEN[1], full_name="Nguyễn Thị Hoa")
    out = live_portal.shell(SETUP % {"citizen": CITIZEN[0]})
    match = re.search(r"CODE (\S+) PK (\d+)", out)
    assert match, out
    code, pk = match.group(1), match.group(2)
    created = live_portal.manage(
        "create_agency_staff",
        OFFICER[0],
        "SGDDT-E2E",
        "leader",
        "--name",
        "Lê Văn Cán",
        "--password-stdin",
        input=OFFICER[1] + "\n",
    )
    assert "Created" in created.stdout
    live_portal.manage(
        "create_agency_staff", OTHER_OFFICER[0], "UBND-E2E", "leader", "--password-stdin", input=OTHER_OFFICER[1] + "\n"
    )
    mail = live_portal.mail
    mail.wait_for(CITIZEN[0], subject="đã được gửi")

    # --- The officer receives the dossier: the due date counts working days only.
    admin_login(page, *OFFICER)
    page.get_by_role("link", name=code).click()
    expect(page.locator("#content h1")).to_contain_text(code)
    audit(page)
    open_action(page, "receive")
    page.locator("#id_receive_note").fill("Hồ sơ đầy đủ, hợp lệ.")
    submit_action(page, "receive")
    due = expected_due_date(5)
    assert (due - dt.date.today()).days >= 7  # five working days always span a weekend
    expect(page.locator("#bo-due-date")).to_have_text(due.strftime("%d/%m/%Y"))
    open_action(page, "start")
    submit_action(page, "start")
    open_action(page, "request_supplement")
    page.locator("#id_request_supplement_request").fill("Đề nghị bổ sung bản chụp căn cước công dân rõ nét.")
    page.locator("#id_request_supplement_reply_by").fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    submit_action(page, "request_supplement")
    expect(page.locator(".bo-flag-paused").first).to_be_visible()

    # --- The citizen reads the request and supplements the dossier.
    citizen_page = browser.new_page(base_url=live_portal.base_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        supplement_mail = mail.wait_for(CITIZEN[0], subject="yêu cầu bổ sung")
        assert "căn cước công dân rõ nét" in mail.text(supplement_mail)
        portal_login(citizen_page, *CITIZEN, f"/dossiers/{code}/")
        expect(citizen_page.locator("#supplement-title")).to_be_visible()
        audit(citizen_page)
        citizen_page.get_by_role("link", name="Bổ sung hồ sơ").click()
        expect(citizen_page.locator("main h1")).to_contain_text("Bổ sung hồ sơ")
        audit(citizen_page)
        citizen_page.locator("input[type=file]").first.set_input_files(
            files=[{"name": "cccd-ro-net.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(6000)}]
        )
        citizen_page.locator("textarea[name=note]").fill("Tôi đã bổ sung bản chụp rõ nét.")
        citizen_page.get_by_role("button", name="Gửi bổ sung").click()
        expect(citizen_page.locator(".messages")).to_contain_text("Đã gửi phần bổ sung tới cơ quan.")
        audit(citizen_page)

        # --- The officer sees the supplement and finishes with a result file.
        page.reload()
        expect(page.locator(".bo-status-in_progress").first).to_be_visible()
        expect(page.locator("#content")).to_contain_text("cccd-ro-net.pdf")
        audit(page)
        open_action(page, "finish")
        page.locator("#id_finish_result_files").set_input_files(
            files=[{"name": "ban-sao-bang.pdf", "mimeType": "application/pdf", "buffer": real_pdf_bytes()}]
        )
        submit_action(page, "finish")
        expect(page.locator(".bo-status-finished").first).to_be_visible()

        # --- The citizen has the four emails and downloads the result.
        for words in ("đã được gửi", "đã được tiếp nhận", "yêu cầu bổ sung", "đã có kết quả"):
            mail.wait_for(CITIZEN[0], subject=words)
        received = mail.wait_for(CITIZEN[0], subject="đã được tiếp nhận")
        assert due.strftime("%d/%m/%Y") in mail.text(received)
        subjects = [str(m["Subject"]) for m in mail.to(CITIZEN[0])]
        assert len(subjects) == len(set(subjects)), subjects  # each once
        citizen_page.goto(f"/dossiers/{code}/")
        audit(citizen_page)
        with citizen_page.expect_download() as download:
            citizen_page.locator("#results-title ~ ul a").first.click()
        assert download.value.suggested_filename == "ban-sao-bang.pdf"
        with open(download.value.path(), "rb") as handle:
            signed = handle.read()
        # The agency's signed copy: the original, then the signature (an incremental update).
        assert signed.startswith(real_pdf_bytes()) and b"/ETSI.CAdES.detached" in signed

        # --- The result is in the citizen's document store, and anyone can verify a copy by its code.
        citizen_page.goto("/dossiers/store/")
        expect(citizen_page.locator("main")).to_contain_text(f"{code}-KQ1")
        audit(citizen_page)
        citizen_page.goto(f"/verify/?code={code.lower()}-kq1")  # the QR code's address, typed in lower case
        expect(citizen_page.locator("input[name=code]")).to_have_value(f"{code}-KQ1")
        audit(citizen_page)
        altered = bytearray(signed)
        altered[len(altered) // 2] ^= 0x01
        for copy, answer in ((signed, "đúng là tệp đã được cấp"), (bytes(altered), "KHÔNG khớp")):
            citizen_page.goto(f"/verify/?code={code}-KQ1")
            citizen_page.locator("input[name=file]").set_input_files(
                files=[{"name": "ban-sao.pdf", "mimeType": "application/pdf", "buffer": copy}]
            )
            citizen_page.locator("input[name=captcha_1]").fill("PASSED")
            citizen_page.get_by_role("button", name="Kiểm tra").click()
            expect(citizen_page.locator(".lookup-result")).to_contain_text("Hợp lệ")
            expect(citizen_page.locator(".lookup-result")).to_contain_text(answer)
            audit(citizen_page)
    finally:
        citizen_page.close()

    # --- An officer of another agency sees none of it, even by typing the URLs.
    other = browser.new_page(base_url=live_portal.base_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        admin_login(other, *OTHER_OFFICER)
        expect(other.locator("#result_list")).to_have_count(0)
        expect(other.locator("#content")).not_to_contain_text(code)
        response = other.goto(f"/admin/dossiers/dossier/{pk}/change/")
        assert response.status == 404
        audit(other)
        response = other.goto(f"/dossiers/{code}/")
        assert response.status == 404
        audit(other)
    finally:
        other.close()
