"""Accounts as a citizen and an organisation live them, in a real browser against the real server.

Organisation: sign up (with the reset button tried), log in refused before activation, activate
from the email, log in, edit the profile, English and back, change the password, log out, log in
with the new password. Person: sign up, activate, forgotten password by email, log in, log out.
Every page is audited (axe-core WCAG 2.1 A/AA, no horizontal scroll); once at desktop width and
once on a 360 px phone.
"""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from .checks import audit
from .live import LivePortal
from .steps import (
    RESET_LINK,
    Person,
    activate,
    choose_address,
    expect_logged_in_as,
    expect_logged_out,
    fill_passwords_and_captcha,
    fill_person_signup,
    header,
    heading,
    log_in,
    log_out,
    open_account_menu,
    submit_signup,
)

pytestmark = pytest.mark.e2e


@dataclass
class Organisation:
    email: str
    name: str = "Công ty TNHH Ánh Dương"
    tax_code: str = "0101234567"
    representative: str = "Trần Quốc Bảo"
    phone: str = "024 3825 5555"
    password: str = "Anh-duong-mat-khau-2024"
    new_password: str = "Anh-duong-doi-mat-khau-77"


# --- the journeys ---------------------------------------------------------------------------
def organisation_journey(page: Page, portal: LivePortal, org: Organisation) -> None:
    page.goto("/")
    expect(heading(page)).to_have_text("Cổng Dịch vụ công")
    audit(page)

    header(page).get_by_role("link", name="Đăng ký", exact=True).click()
    expect(heading(page)).to_have_text("Đăng ký")
    expect(page.locator("input[name=citizen_id]")).to_be_visible()  # personal is the default
    audit(page)
    page.get_by_role("link", name="Tổ chức").click()
    expect(page.locator("input[name=tax_code]")).to_be_visible()
    expect(page.locator("input[name=citizen_id]")).to_have_count(0)
    audit(page)

    # "Thiết lập lại" restores the empty form.
    page.get_by_label("Tên tổ chức").fill("Sẽ bị xoá")
    page.get_by_role("button", name="Thiết lập lại").click()
    expect(page.get_by_label("Tên tổ chức")).to_have_value("")

    # Sent empty: the error summary on top, a message beside each field, still accessible.
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#id_tax_code")).to_have_attribute("aria-invalid", "true")
    audit(page)

    page.get_by_label("Tên tổ chức").fill(org.name)
    page.get_by_label("Mã số thuế").fill(org.tax_code)
    page.get_by_label("Người đại diện theo pháp luật").fill(org.representative)
    page.locator("input[name=phone]").fill(org.phone)
    fill_passwords_and_captcha(page, org.email, org.password)
    submit_signup(page)

    # Not activated yet: the right password still does not open a session.
    log_in(page, org.email, org.password)
    expect(heading(page)).to_have_text("Kích hoạt tài khoản")
    expect_logged_out(page)
    audit(page)

    # Opened in the browser that signed up, the activation link also logs the account in.
    activate(page, portal, org.email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect_logged_in_as(page, org.name)

    open_account_menu(page)
    page.get_by_role("link", name="Hồ sơ tổ chức").click()  # an organisation's profile, named as such
    expect(heading(page)).to_have_text("Hồ sơ tổ chức")
    expect(page.get_by_label("Mã số thuế")).to_have_value(org.tax_code)
    audit(page)
    # The address from the lists (signup does not ask for it): the commune list follows the province.
    choose_address(page, "address", province="Thành phố Hà Nội", commune="Phường Cửa Nam", street="18 Trần Hưng Đạo")
    page.get_by_label("Số điện thoại", exact=False).fill("0243 999 8888")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu thông tin của tổ chức.")
    expect(page.locator("#id_address_street")).to_have_value("18 Trần Hưng Đạo")
    expect(page.locator("#id_address_commune")).to_have_value("00082")  # Phường Cửa Nam
    audit(page)

    # English, then back to Vietnamese, on the same page.
    page.locator(".language-switcher a[hreflang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading(page)).to_have_text("Organisation profile")
    audit(page)
    page.locator(".language-switcher a[hreflang=vi]").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(heading(page)).to_have_text("Hồ sơ tổ chức")

    page.locator("main").get_by_role("link", name="Đổi mật khẩu").click()
    expect(heading(page)).to_have_text("Đổi mật khẩu")
    audit(page)
    page.locator("input[name=oldpassword]").fill(org.password)
    page.locator("input[name=password1]").fill(org.new_password)
    page.locator("input[name=password2]").fill(org.new_password)
    page.locator("main form").get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator(".messages")).to_contain_text("Mật khẩu của bạn đã được thay đổi.")
    audit(page)

    log_out(page)
    log_in(page, org.email, org.new_password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect_logged_in_as(page, org.name)
    audit(page)
    log_out(page)


def person_journey(page: Page, portal: LivePortal, person: Person) -> None:
    page.goto("/accounts/signup/")
    expect(heading(page)).to_have_text("Đăng ký")
    audit(page)
    fill_person_signup(page, person)
    submit_signup(page)

    # The person comes back later (the browser was closed): activation, then the login page.
    page.context.clear_cookies()
    activate(page, portal, person.email)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect_logged_out(page)

    # Forgotten password: the link arrives by email, the new password works.
    page.get_by_role("link", name="Quên mật khẩu?").click()
    expect(heading(page)).to_have_text("Quên mật khẩu?")
    audit(page)
    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Gửi liên kết").click()
    expect(heading(page)).to_have_text("Vui lòng kiểm tra email")
    audit(page)
    page.goto(portal.mail.wait_for_link(person.email, RESET_LINK, subject="Đặt mật khẩu mới"))
    expect(heading(page)).to_have_text("Đặt mật khẩu mới")
    audit(page)
    page.locator("input[name=password1]").fill(person.new_password)
    page.locator("input[name=password2]").fill(person.new_password)
    page.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(heading(page)).to_have_text("Đã đổi mật khẩu")
    audit(page)

    log_in(page, person.email, person.new_password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect_logged_in_as(page, person.name)
    audit(page)
    log_out(page)


def test_accounts_journey_desktop(page, live_portal):
    organisation_journey(page, live_portal, Organisation(email="anhduong@example.vn"))
    person_journey(page, live_portal, Person(email="hoa@example.vn"))


def test_accounts_journey_on_a_360px_phone(mobile_page, live_portal):
    organisation_journey(
        mobile_page, live_portal, Organisation(email="anhduong.mobile@example.vn", tax_code="0109876543")
    )
    person_journey(mobile_page, live_portal, Person(email="hoa.mobile@example.vn", citizen_id="001192054321"))
