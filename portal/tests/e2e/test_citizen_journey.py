"""A citizen's dossier from signup to rated result, through the real UI of the live portal.

The citizen registers and activates from the email; finds the demo procedure "Cấp bản sao văn
bằng, chứng chỉ từ sổ gốc" by typing without diacritics on the home page and by filtering the
catalogue by agency and field; downloads its form template; fills every step of the wizard
(every kind of question the procedure asks; real PDF and PNG files made here; a PNG renamed
.pdf refused at its slot, by the page's script and again by the server); saves, logs out, logs in,
resumes from "Hồ sơ đã đăng ký" on the right step, sends with the confirmation code; reads the
code, the receipt and its PDF, the email. An officer created by `create_agency_staff` receives
the dossier in admin and asks for a supplement; the citizen supplements; the officer finishes with
a result file; the citizen downloads it and rates the service. A visitor then looks the code up
and sees the status and dates but no personal data.

Run once at desktop width and once on a 360 px phone (the officer works at a desk in both).
Every public and citizen page is audited (axe-core WCAG 2.1 A/AA, nothing cut off, no
horizontal scroll).
"""

import datetime as dt
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from .checks import audit
from .live import LivePortal
from .steps import (
    Person,
    activate,
    admin_login,
    choose_address,
    create_officer,
    expect_logged_in_as,
    expected_due_date,
    fill_person_signup,
    header,
    heading,
    log_in,
    log_out,
    messages,
    open_account_menu,
    open_action,
    submit_action,
    submit_signup,
)

pytestmark = pytest.mark.e2e

PROCEDURE_CODE = "1.005092"
PROCEDURE = "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"
AGENCY = ("SGDDT-HN", "Sở Giáo dục và Đào tạo Hà Nội")
FIELD = ("van-bang-chung-chi", "Văn bằng, chứng chỉ")
SEARCH = "cap ban sao bang tot nghiep"
SUPPLEMENT_REQUEST = "Đề nghị bổ sung giấy ủy quyền có chữ ký của người được cấp bằng."
SUPPLEMENT_NOTE = "Tôi gửi bổ sung giấy ủy quyền."
RESULT_NOTE = "Đã cấp bản sao, mời tải kết quả."


@dataclass
class Officer:
    email: str
    password: str = "Can-bo-so-giao-duc-2026"
    name: str = "Đỗ Minh Quân"


@dataclass
class Answers:
    """The declaration form of the demo procedure: a choice, texts, a date and numbers."""

    kind: str = "Bằng tốt nghiệp trung học phổ thông"
    holder: str = "Phạm Thị Thu Trang"
    holder_birth: str = "15-9-2004"  # typed day-month-year, shown back as 15/09/2004
    year: str = "2022"
    school: str = "Trường THPT Chu Văn An, Hà Nội"
    copies: str = "2"


# --- files made here, as a scanner or a phone camera would ------------------------------------
def scan_png(text: str, path: Path) -> Path:
    image = Image.new("RGB", (640, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline="navy", width=6)
    draw.text((60, 180), text, fill="black")
    image.save(path, format="PNG")
    return path


def scan_pdf(text: str, path: Path) -> Path:
    """A real one-page PDF (Pillow's writer), like a scanner's."""
    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).text((60, 100), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=72)
    path.write_bytes(buffer.getvalue())
    return path


@dataclass
class Files:
    application: Path  # the filled-in form, scanned to PDF
    id_card: Path  # a photo of the ID card, PNG
    disguised: Path  # a PNG renamed .pdf
    authorisation: Path  # the supplement, PDF
    result: Path  # the officer's result, PDF

    @classmethod
    def make(cls, folder: Path) -> "Files":
        folder.mkdir(parents=True, exist_ok=True)
        png = scan_png("CAN CUOC CONG DAN", folder / "cccd-mat-truoc.png")
        disguised = folder / "giay-uy-quyen-anh.pdf"
        disguised.write_bytes(png.read_bytes())
        return cls(
            application=scan_pdf("DON DE NGHI CAP BAN SAO", folder / "don-de-nghi.pdf"),
            id_card=png,
            disguised=disguised,
            authorisation=scan_pdf("GIAY UY QUYEN", folder / "giay-uy-quyen.pdf"),
            result=scan_pdf("BAN SAO BANG TOT NGHIEP", folder / "ban-sao-bang-tot-nghiep.pdf"),
        )


# --- small steps ------------------------------------------------------------------------------
def slot(page: Page, number: int):
    """The upload slot of the procedure's n-th document (1-based)."""
    return page.locator("section.slot").nth(number - 1)


def go_to_my_dossiers(page: Page) -> None:
    open_account_menu(page)
    page.locator("details.account-menu").get_by_role("link", name="Hồ sơ đã đăng ký").click()
    expect(heading(page)).to_have_text("Hồ sơ đã đăng ký")
    audit(page)


def dossier_row(page: Page, code: str):
    """The card of one dossier in "Hồ sơ đã đăng ký"."""
    return page.locator("li.dossier-card").filter(has=page.locator(".dossier-card-title", has_text=code))


def card_status(card):
    return card.locator(".dossier-card-facts .status")


# --- the journey, in parts ------------------------------------------------------------------
def sign_up_and_log_in(page: Page, portal: LivePortal, person: Person) -> None:
    page.goto("/")
    expect(heading(page)).to_have_text("Cổng Dịch vụ công")
    audit(page)
    header(page).get_by_role("link", name="Đăng ký", exact=True).click()
    expect(heading(page)).to_have_text("Đăng ký")
    audit(page)
    fill_person_signup(page, person)
    submit_signup(page)
    # The email is read later, on another device: the activation link leads to the login page.
    page.context.clear_cookies()
    activate(page, portal, person.email)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Mật khẩu", exact=False).fill(person.password)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect_logged_in_as(page, person.name)
    audit(page)


def find_the_procedure(page: Page) -> None:
    # Typed without diacritics on the home page.
    page.goto("/")
    audit(page)
    page.locator("#home-q").fill(SEARCH)
    page.locator("form.home-search").get_by_role("button", name="Tìm kiếm").click()
    expect(page).to_have_url(re.compile(r"/procedures/\?q=cap\+ban\+sao"))
    first = page.locator("ol.procedure-list > li").first
    expect(first.locator("h3")).to_have_text(PROCEDURE)
    audit(page)
    # The result link leads straight to the procedure's own address (search-opens.js), and the
    # opening is counted for the staff with a beacon.
    link = first.get_by_role("link", name=PROCEDURE)
    expect(link).to_have_attribute("href", re.compile(r"^/procedures/[0-9.]+/$"))
    with page.expect_request(lambda request: "/from-search/" in request.url and request.method == "POST"):
        link.click()
    expect(heading(page)).to_have_text(PROCEDURE)
    audit(page)

    # The catalogue filtered by agency and field lists it too.
    page.locator("nav.main-nav").get_by_role("link", name="Thủ tục hành chính").click()
    expect(heading(page)).to_have_text("Thủ tục hành chính")
    audit(page)
    page.get_by_label("Cơ quan", exact=True).select_option(AGENCY[0])
    page.get_by_label("Lĩnh vực", exact=True).select_option(FIELD[0])
    page.locator("form.catalogue-filters").get_by_role("button", name="Tìm kiếm").click()
    expect(page).to_have_url(re.compile(rf"agency={AGENCY[0]}.*field={FIELD[0]}|field={FIELD[0]}.*agency={AGENCY[0]}"))
    cards = page.locator("ol.procedure-list > li")
    expect(cards).to_have_count(3)  # the demo catalogue's diploma procedures of the Hà Nội department
    for card in cards.all():
        expect(card).to_contain_text(AGENCY[1])
        expect(card).to_contain_text(FIELD[1])
    expect(page.get_by_label("Cơ quan", exact=True)).to_have_value(AGENCY[0])  # the filters stay chosen
    audit(page)
    cards.get_by_role("link", name=PROCEDURE).click()
    expect(heading(page)).to_have_text(PROCEDURE)
    audit(page)

    # The form template of the first document downloads as a PDF.
    with page.expect_download() as download_info:
        page.locator("table.documents-table").get_by_role("link", name=re.compile("^Tải mẫu")).first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    page.locator("p.apply-action").get_by_role("link", name="Nộp hồ sơ").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/new/{re.escape(PROCEDURE_CODE)}/$"))
    audit(page)


def fill_applicant(page: Page, person: Person) -> str:
    """Step 1, prefilled from the profile; the result is to come online. Returns the draft's code."""
    expect(page.locator(".wizard h2").first).to_have_text("Thông tin người nộp hồ sơ")
    expect(page.locator("#id_applicant_name")).to_have_value(person.name)
    expect(page.locator("#id_applicant_id_number")).to_have_value(person.citizen_id)
    digits = re.sub(r"\D", "", person.phone)
    expect(page.locator("#id_applicant_phone")).to_have_value(re.compile(r"^" + r"\s?".join(digits) + "$"))
    expect(page.locator("#id_applicant_email")).to_have_value(person.email)
    # Signup does not ask for the address: chosen here from the lists (the commune list follows the
    # province), and kept on the dossier as the full address in Vietnamese.
    expect(page.locator("#id_applicant_commune")).to_contain_text("Chọn tỉnh, thành phố trước")
    choose_address(page, "applicant", province=person.province, commune=person.commune, street=person.street)
    page.locator("input[name=result_delivery][value=online]").check()
    page.get_by_role("button", name="Tiếp theo").click()
    expect(page).to_have_url(re.compile(r"/dossiers/[^/]+/edit/form/$"))
    return page.url.rstrip("/").split("/")[-3]


def fill_declaration(page: Page, answers: Answers) -> None:
    """Step 2: one of each kind of question; a wrong number first, kept and explained."""
    expect(page.locator(".wizard h2").first).to_have_text("Mẫu tờ khai điện tử")
    audit(page)
    page.get_by_label(answers.kind, exact=True).check()
    page.locator("#id_q_ho_ten_nguoi_duoc_cap").fill(answers.holder)
    page.locator("#id_q_ngay_sinh_nguoi_duoc_cap").fill(answers.holder_birth)
    page.locator("#id_q_nam_tot_nghiep").fill(answers.year)
    page.locator("#id_q_truong_hoi_dong_thi").fill(answers.school)
    page.locator("#id_q_so_ban_sao").fill("hai bản")

    # Back to step 1 before finishing, then to step 2 by its button in the progress bar: nothing
    # typed is lost, the wrong number is kept and marked, and it did not block the move.
    page.locator(".wizard-actions").get_by_role("button", name="Quay lại").click()
    expect(page).to_have_url(re.compile(r"/edit/applicant/$"))
    expect(messages(page)).to_contain_text("đã được giữ lại")
    audit(page)
    page.locator(".wizard-progress").get_by_role("button", name=re.compile("Tờ khai điện tử")).click()
    expect(page).to_have_url(re.compile(r"/edit/form/$"))
    expect(page.locator(".error-summary")).to_be_visible()
    copies = page.locator("#id_q_so_ban_sao")
    expect(copies).to_have_attribute("aria-invalid", "true")
    expect(copies).to_have_value("hai bản")
    expect(page.locator("#id_q_ho_ten_nguoi_duoc_cap")).to_have_value(answers.holder)  # the rest is kept
    expect(page.locator(".form-grid")).to_contain_text("bằng chữ số, ví dụ 3 hoặc 2,5.")  # names the field
    audit(page)
    copies.fill(answers.copies)
    page.get_by_role("button", name="Tiếp theo").click()
    expect(page).to_have_url(re.compile(r"/edit/attachments/$"))


def attach_files(page: Page, files: Files) -> None:
    """Step 3: a PDF and a PNG where they belong; a PNG renamed .pdf is refused at its slot."""
    expect(page.locator(".wizard h2").first).to_have_text("Thành phần hồ sơ")
    audit(page)
    slot(page, 1).locator("input[type=file]").set_input_files(files.application)
    slot(page, 2).locator("input[type=file]").set_input_files(files.id_card)

    # The page's script reads the first bytes and refuses the file at once, at its slot.
    third = slot(page, 3)
    third.locator("input[type=file]").set_input_files(files.disguised)
    script_error = third.locator(".js-upload-errors")
    expect(script_error).to_be_visible()
    expect(script_error).to_contain_text(f"“{files.disguised.name}” không khớp với đuôi tệp")
    assert third.locator("input[type=file]").evaluate("input => input.files.length") == 0

    # Without the script (an old browser), the server refuses it at the same slot.
    third.locator("input[type=file]").evaluate("input => input.replaceWith(input.cloneNode(true))")
    third.locator("input[type=file]").set_input_files(files.disguised)
    page.get_by_role("button", name="Tải lên các tệp đã chọn").click()
    expect(page.locator(".error-summary")).to_be_visible()
    third = slot(page, 3)
    expect(third.locator(".error-message").first).to_contain_text(files.disguised.name)
    expect(third).to_contain_text("Chưa đính kèm tệp nào.")
    expect(slot(page, 1).locator(".file-list")).to_contain_text(files.application.name)
    expect(slot(page, 2).locator(".file-list")).to_contain_text(files.id_card.name)
    audit(page)

    page.get_by_role("button", name="Lưu lại").click()
    expect(messages(page)).to_contain_text("Đã lưu.")
    audit(page)


def resume_from_my_dossiers(page: Page, person: Person, code: str, answers: Answers, files: Files) -> None:
    log_out(page)
    log_in(page, person.email, person.password)
    expect_logged_in_as(page, person.name)
    audit(page)
    go_to_my_dossiers(page)
    row = dossier_row(page, code)
    expect(row).to_contain_text(PROCEDURE)
    expect(card_status(row)).to_have_text("Chưa gửi")
    row.get_by_role("link", name="Sửa").click()

    # Back on the documents, the first incomplete step, with both files; steps 1 and 2 ticked.
    expect(page).to_have_url(re.compile(rf"/dossiers/{re.escape(code)}/edit/attachments/$"))
    expect(page.locator(".wizard-progress li.is-complete")).to_have_count(2)
    expect(slot(page, 1).locator(".file-list")).to_contain_text(files.application.name)
    expect(slot(page, 2).locator(".file-list")).to_contain_text(files.id_card.name)
    audit(page)

    # The declaration answers were kept too.
    page.locator(".wizard-progress").get_by_role("button", name=re.compile("Tờ khai điện tử")).click()
    expect(page.get_by_label(answers.kind, exact=True)).to_be_checked()
    expect(page.locator("#id_q_ngay_sinh_nguoi_duoc_cap")).to_have_value("15/09/2004")
    expect(page.locator("#id_q_so_ban_sao")).to_have_value(answers.copies)
    audit(page)
    page.get_by_role("button", name="Tiếp theo").click()
    expect(page).to_have_url(re.compile(r"/edit/attachments/$"))
    page.get_by_role("button", name="Tiếp theo").click()
    expect(page).to_have_url(re.compile(r"/edit/review/$"))


def review_and_send(page: Page, person: Person, answers: Answers, files: Files) -> str:
    main = page.locator("main")
    expect(main.locator("h2").first).to_have_text("Kiểm tra hồ sơ")
    for text in (person.name, person.citizen_id, answers.kind, answers.holder, answers.school, "15/09/2004"):
        expect(main).to_contain_text(text)
    expect(main).to_contain_text(files.application.name)
    expect(main).to_contain_text(files.id_card.name)
    audit(page)

    # A wrong confirmation code is explained beside the field; then the right one.
    # The declaration ("lời cam đoan") first; a wrong confirmation code keeps it ticked.
    page.get_by_label("Tôi xin cam đoan", exact=False).check()
    page.locator("input[name=captcha_1]").fill("SAI")
    page.get_by_role("button", name="Gửi đi").click()
    expect(page.locator("input[name=captcha_1]")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Tôi xin cam đoan", exact=False)).to_be_checked()
    audit(page)
    page.locator("input[name=captcha_1]").fill("PASSED")
    page.get_by_role("button", name="Gửi đi").click()
    expect(heading(page)).to_have_text("Hồ sơ của bạn đã được gửi")
    code = page.locator(".dossier-code-large").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", code), code
    audit(page)
    return code


def receipt_and_email(page: Page, portal: LivePortal, person: Person, code: str) -> None:
    pdf_link = page.get_by_role("link", name="Tải giấy tiếp nhận (PDF)")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    assert code in response.headers["content-disposition"]

    page.get_by_role("link", name="In giấy tiếp nhận").click()
    expect(heading(page)).to_have_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    expect(page.locator(".receipt-code")).to_contain_text(code)
    expect(page.locator(".receipt")).to_contain_text(person.name)
    audit(page)

    sent = portal.mail.wait_for(person.email, subject="đã được gửi")
    assert code in str(sent["Subject"]) + portal.mail.text(sent)
    assert f"{portal.base_url}/lookup/?code={code}" in portal.mail.text(sent)  # links from SITE_URL


def officer_receives_and_asks(page: Page, officer: Officer, code: str) -> None:
    admin_login(page, officer.email, officer.password)
    page.get_by_role("link", name=code, exact=True).click()
    expect(page.locator("#content h1")).to_contain_text(code)
    audit(page)
    open_action(page, "receive")
    page.locator("#id_receive_note").fill("Hồ sơ đã được tiếp nhận.")
    submit_action(page, "receive")
    open_action(page, "start")
    submit_action(page, "start")
    open_action(page, "request_supplement")
    page.locator("#id_request_supplement_request").fill(SUPPLEMENT_REQUEST)
    page.locator("#id_request_supplement_reply_by").fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    submit_action(page, "request_supplement")


def citizen_supplements(page: Page, portal: LivePortal, person: Person, code: str, files: Files) -> None:
    request_mail = portal.mail.wait_for(person.email, subject="yêu cầu bổ sung")
    assert SUPPLEMENT_REQUEST in portal.mail.text(request_mail)
    go_to_my_dossiers(page)
    row = dossier_row(page, code)
    expect(card_status(row)).to_have_text("Yêu cầu bổ sung")
    row.get_by_role("link", name="Bổ sung").click()
    expect(heading(page)).to_contain_text("Bổ sung hồ sơ")
    expect(page.locator("main")).to_contain_text(SUPPLEMENT_REQUEST)
    audit(page)
    slot(page, 3).locator("input[type=file]").set_input_files(files.authorisation)
    page.locator("textarea[name=note]").fill(SUPPLEMENT_NOTE)
    page.get_by_role("button", name="Gửi bổ sung").click()
    expect(messages(page)).to_contain_text("Đã gửi phần bổ sung tới cơ quan.")
    expect(page.locator("main")).to_contain_text(files.authorisation.name)
    audit(page)


def officer_finishes(page: Page, code: str, files: Files) -> None:
    page.reload()
    expect(page.locator("#content")).to_contain_text(files.authorisation.name)
    audit(page)
    open_action(page, "finish")
    page.locator("#id_finish_result_files").set_input_files(files.result)
    page.locator("#id_finish_note").fill(RESULT_NOTE)
    submit_action(page, "finish")
    expect(page.locator(".bo-status-finished").first).to_be_visible()


def citizen_gets_the_result_and_rates(page: Page, portal: LivePortal, person: Person, code: str, files: Files) -> None:
    portal.mail.wait_for(person.email, subject="đã có kết quả")
    go_to_my_dossiers(page)
    row = dossier_row(page, code)
    expect(card_status(row)).to_have_text("Đã có kết quả")
    row.locator(".dossier-card-title a").click()
    expect(heading(page)).to_contain_text(code)
    audit(page)
    results = page.locator("section[aria-labelledby=results-title]")
    with page.expect_download() as download_info:
        results.get_by_role("link", name=files.result.name).click()
    download = download_info.value
    assert download.suggested_filename == files.result.name
    signed = Path(download.path()).read_bytes()
    # The agency's signed copy of the officer's file (an incremental update), with its code shown.
    assert signed.startswith(files.result.read_bytes()) and b"/ETSI.CAdES.detached" in signed
    expect(results).to_contain_text(f"{code}-KQ1")

    rating = page.locator("#rating")
    rating.locator("input[name=score][value='5']").check()
    rating.locator("textarea[name=comment]").fill("Nhanh chóng, không phải đi lại.")
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(messages(page)).to_contain_text("Cảm ơn bạn đã đánh giá.")
    expect(page.locator("#rating")).to_contain_text("Nhanh chóng, không phải đi lại.")
    expect(page.locator("#rating form")).to_have_count(0)
    audit(page)


def visitor_looks_up(page: Page, person: Person, code: str) -> None:
    page.goto("/lookup/")
    expect(heading(page)).to_have_text("Tra cứu hồ sơ")
    audit(page)
    page.get_by_label("Mã hồ sơ").fill(f"  {code.lower()}  ")
    page.locator("input[name=captcha_1]").fill("PASSED")
    page.locator("main form").get_by_role("button", name="Tra cứu").click()
    result = page.locator(".lookup-result")
    expect(result).to_be_visible()
    # The answer is in view and has the focus (a screen reader reads its heading).
    expect(page).to_have_url(re.compile(r"/lookup/#answer$"))
    expect(result).to_be_focused()
    assert result.evaluate("el => el.getBoundingClientRect().top") < page.viewport_size["height"] / 2
    expect(result.locator("h2")).to_contain_text(code)

    def value(label: str):
        return result.locator(".summary-list > div").filter(has=page.locator("dt", has_text=label)).locator("dd")

    today = dt.date.today().strftime("%d/%m/%Y")
    expect(value("Thủ tục")).to_have_text(PROCEDURE)
    expect(value("Cơ quan tiếp nhận")).to_have_text(AGENCY[1])
    expect(value("Người nộp")).to_have_text("Phạm T. T. T.")  # the masked name, nothing more
    expect(value("Trạng thái").locator("strong")).to_have_text("Đã có kết quả")
    for label in ("Đã gửi", "Đã tiếp nhận", "Ngày hoàn thành"):
        expect(value(label)).to_contain_text(today)
    expect(value("Ngày hẹn trả kết quả")).to_have_text(expected_due_date(1).strftime("%d/%m/%Y"))
    expect(value("Tiến độ")).to_contain_text("đúng hạn")
    audit(page)

    html = page.content()
    phone_digits = re.sub(r"\D", "", person.phone)
    for secret in (person.name, person.citizen_id, person.email, person.address, person.phone, phone_digits):
        assert secret not in html, f"the public lookup shows {secret!r}"
    expect(result.locator(".timeline p")).to_have_count(0)  # no note written by the citizen or an officer
    for private in (SUPPLEMENT_REQUEST, SUPPLEMENT_NOTE, RESULT_NOTE, "giay-uy-quyen", "ban-sao-bang-tot-nghiep"):
        assert private not in html, f"the public lookup shows {private!r}"
    expect(value("Trạng thái")).to_contain_text("Người nộp đã được thông báo cách nhận kết quả.")  # standard wording


# --- the tests ----------------------------------------------------------------------------------
def citizen_journey(page: Page, new_page, portal: LivePortal, folder: Path, *, person, officer, mobile) -> None:
    files = Files.make(folder)
    answers = Answers()
    with ThreadPoolExecutor(max_workers=1) as operator:
        # The operator creates the officer (a manage.py process) while the citizen starts.
        officer_created = operator.submit(
            create_officer, portal, officer.email, officer.password, AGENCY[0], name=officer.name
        )
        sign_up_and_log_in(page, portal, person)
        find_the_procedure(page)
        code = fill_applicant(page, person)
        fill_declaration(page, answers)
        attach_files(page, files)
        resume_from_my_dossiers(page, person, code, answers, files)
        sent_code = review_and_send(page, person, answers, files)
        assert sent_code == code  # the code given to the draft is the one to keep
        receipt_and_email(page, portal, person, code)
        officer_created.result()

    desk = new_page()  # the officer works at a desk in both runs
    officer_receives_and_asks(desk, officer, code)
    citizen_supplements(page, portal, person, code, files)
    officer_finishes(desk, code, files)
    citizen_gets_the_result_and_rates(page, portal, person, code, files)

    visitor_looks_up(new_page(mobile=mobile), person, code)


def test_citizen_journey_desktop(page, new_page, live_portal, tmp_path):
    person = Person(email="trang.pham@example.vn", name="Phạm Thị Thu Trang", citizen_id="001304012345")
    officer = Officer(email="quan.do@sgddt.example.vn")
    citizen_journey(page, new_page, live_portal, tmp_path, person=person, officer=officer, mobile=False)


def test_citizen_journey_on_a_360px_phone(mobile_page, new_page, live_portal, tmp_path):
    person = Person(
        email="trang.pham.mobile@example.vn",
        name="Phạm Thị Thu Trang",
        citizen_id="001304054321",
        phone="0987 654 321",
    )
    officer = Officer(email="quan.do.mobile@sgddt.example.vn")
    citizen_journey(mobile_page, new_page, live_portal, tmp_path, person=person, officer=officer, mobile=True)
