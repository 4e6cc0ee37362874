"""Steps several journeys share: an account's signup, activation, login and logout on the portal,
and an officer's login and actions in admin. Each step audits the pages it reaches."""

import datetime as dt
import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from dossiers.deadlines import WorkingCalendar, vietnam_calendar

from .checks import assert_no_horizontal_scroll, audit
from .live import LivePortal

CONFIRM_LINK = r"/accounts/confirm-email/[^/]+/$"
RESET_LINK = r"/accounts/password/reset/key/"


@dataclass
class Person:
    email: str
    name: str = "Nguyễn Thị Hoa"
    birth: str = "4/3/1992"  # typed as Vietnamese write it: the 4th of March
    citizen_id: str = "001192012345"
    phone: str = "0912 345 678"
    province: str = "Thành phố Hà Nội"
    commune: str = "Phường Hoàn Kiếm"
    street: str = "12 Hàng Bài"
    address: str = "12 Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội"  # as the portal composes it
    password: str = "Hoa-mat-khau-rat-manh-91"
    new_password: str = "Hoa-mat-khau-moi-2025"


# --- the portal's pages ---------------------------------------------------------------------
def heading(page: Page):
    return page.locator("main h1")


def header(page: Page):
    return page.locator("header .user-nav")


def messages(page: Page):
    return page.locator("main .messages")


def open_account_menu(page: Page) -> None:
    menu = page.locator("details.account-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.locator("ul")).to_be_visible()
    assert_no_horizontal_scroll(page)  # the open menu fits the screen too


def expect_logged_out(page: Page) -> None:
    expect(header(page).get_by_role("link", name="Đăng nhập", exact=True)).to_be_visible()
    expect(page.locator("details.account-menu")).to_have_count(0)


def expect_logged_in_as(page: Page, name: str) -> None:
    expect(page.locator("details.account-menu .account-name")).to_have_text(name)


def log_in(page: Page, email: str, password: str) -> None:
    """From any page: "Đăng nhập" in the header, then the form (the caller checks where it lands)."""
    header(page).get_by_role("link", name="Đăng nhập", exact=True).click()
    expect(heading(page)).to_have_text("Đăng nhập")
    audit(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu", exact=False).fill(password)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()


def portal_login(page: Page, email: str, password: str, next_path: str) -> None:
    """The login page opened with ?next= (as a link in an email would): lands on `next_path`."""
    page.goto(f"/accounts/login/?next={next_path}")
    audit(page)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))
    audit(page)


def log_out(page: Page) -> None:
    open_account_menu(page)
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator(".messages")).to_contain_text("Bạn đã đăng xuất.")
    expect_logged_out(page)
    audit(page)


def fill_passwords_and_captcha(page: Page, email: str, password: str) -> None:
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    page.locator("input[name=captcha_1]").fill("PASSED")  # CAPTCHA_TEST_MODE accepts this


def submit_signup(page: Page) -> None:
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(heading(page)).to_have_text("Kích hoạt tài khoản")
    audit(page)


def fill_person_signup(page: Page, person: Person) -> None:
    """The personal account's signup form (the default tab), without submitting it."""
    page.get_by_label("Họ và tên").fill(person.name)
    page.locator("input[name=date_of_birth]").fill(person.birth)
    page.locator("input[name=gender][value=female]").check()
    page.locator("input[name=citizen_id]").fill(person.citizen_id)
    page.locator("input[name=phone]").fill(person.phone)
    fill_passwords_and_captcha(page, person.email, person.password)


def choose_address(page: Page, prefix: str, *, province: str, commune: str, street: str) -> None:
    """An address from the lists: the province, then (the script fills the list) the commune, then
    the street line."""
    page.locator(f"#id_{prefix}_province").select_option(label=province)
    communes = page.locator(f"#id_{prefix}_commune")
    expect(communes.locator("option", has_text=commune)).to_have_count(1)
    communes.select_option(label=commune)
    page.locator(f"#id_{prefix}_street").fill(street)


def activate(page: Page, portal: LivePortal, email: str) -> None:
    """Open the link from the activation email and press Confirm."""
    link = portal.mail.wait_for_link(email, CONFIRM_LINK, subject="Kích hoạt tài khoản")
    page.goto(link)
    expect(heading(page)).to_have_text("Kích hoạt tài khoản")
    expect(page.locator("main")).to_contain_text(email)
    audit(page)
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".messages")).to_contain_text("tài khoản đã được kích hoạt")
    audit(page)


# --- admin (back office) ----------------------------------------------------------------------
def create_officer(portal: LivePortal, email: str, password: str, agency: str, *, name: str, role: str = "leader"):
    """An operator's `create_agency_staff`: a staff account with a role in one agency."""
    created = portal.manage(
        "create_agency_staff", email, agency, role, "--name", name, "--password-stdin", input=password + "\n"
    )
    assert "Created" in created.stdout, created.stdout


def admin_login(page: Page, email: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/dossiers/dossier/")
    expect(page.locator("#login-form")).to_be_visible()
    audit(page)
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/dossiers/dossier/$"))
    audit(page)


def open_action(page: Page, name: str) -> None:
    """Unfold one action of the dossier's admin page (the caller fills its inputs, then submit_action),
    from the keyboard like ``submit_action``: a click on its summary was lost the same way (CI,
    2026-12-07, while a PDF preview above failed to load and resized the page)."""
    action = page.locator(f"#action-{name}")
    if action.get_attribute("open") is None:  # the status's main action is already open
        summary = action.locator("summary")
        summary.focus()
        summary.press("Enter")
    expect(action.locator("form")).to_be_visible()


def submit_action(page: Page, name: str) -> None:
    """Send the action's form from the keyboard (focus, Enter), as a keyboard user does: a click
    by coordinates was once lost when the PDF previews above resized the page under it (CI,
    2026-12-07: no POST reached the server)."""
    button = page.locator(f"#action-{name} form [type=submit].default")
    button.focus()
    button.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("đã thực hiện cho hồ sơ")
    audit(page)


def expected_due_date(days: int) -> dt.date:
    """What the portal must show: today + N working days on Vietnam's calendar (no database here)."""
    today = dt.date.today()
    off, working = set(), set()
    for year in (today.year, today.year + 1):
        for day, _name, kind in vietnam_calendar(year):
            (working if kind == "working" else off).add(day)
    return WorkingCalendar(off, working).add_working_days(today, days)
