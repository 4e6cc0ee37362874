"""The public statistics as a visitor uses them, in a real browser against the live portal.

Dossiers of a test agency (and of its sub-agency) are set up through the live portal's shell; a
visitor, not logged in, opens the statistics, filters that agency with the form, reads its figures
in the table, downloads the CSV, looks at the page on a phone, and mistypes a month.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .checks import audit
from .live import LivePortal

pytestmark = pytest.mark.e2e

SETUP = """
import datetime as dt
from django.utils import timezone
from dossiers.models import Rating
from dossiers.tests.factories import DossierFactory
from procedures.models import Agency, Field, Procedure
from procedures.services import catalogue_changed

parent = Agency.objects.create(code="SO-TK-E2E", name="Sở Thống kê Thử nghiệm", level="department")
child = Agency.objects.create(code="PHUONG-TK-E2E", name="UBND phường Thống kê", level="commune", parent=parent)
field = Field.objects.create(code="thong-ke-e2e", name="Thống kê thử nghiệm")
procedures = [
    Procedure.objects.create(code=code, name="Thủ tục thống kê " + code, agency=agency, field=field,
                             service_level="partial_online", processing_days=5)
    for code, agency in (("1.999101", parent), ("1.999102", child))
]
now = timezone.now()
today = timezone.localdate()
received = now - dt.timedelta(hours=2)
done = now - dt.timedelta(hours=1)
for n, (timeliness, due) in enumerate((("early", 3), ("early", 3), ("late", -3))):
    dossier = DossierFactory(procedure=procedures[0], finished=True, received_at=received, finished_at=done,
                             due_date=today + dt.timedelta(days=due), timeliness=timeliness)
    if n == 0:
        Rating.objects.create(dossier=dossier, score=5)
DossierFactory(procedure=procedures[0], in_progress=True, received_at=received, due_date=today - dt.timedelta(days=1))
DossierFactory(procedure=procedures[1], in_progress=True, received_at=received, due_date=today + dt.timedelta(days=5))
catalogue_changed()  # new agencies: the cached agency tree is rebuilt
print("READY")
"""

# received, results, early, on time, late, in progress, overdue now, apologies, on-time rate,
# ratings, average rating
# The last two: fees paid, fees collected (issue 21); none here.
PARENT_ROW = ["4", "0", "3", "2", "0", "1", "1", "1", "0", "66,7%", "1", "5,0", "0", "0"]
CHILD_ROW = ["1", "0", "0", "0", "0", "0", "1", "0", "0", "—", "0", "—", "0", "0"]


def row_cells(page: Page, table: str, key: str) -> list[str]:
    return [text.strip() for text in page.locator(f'#{table} tr[data-key="{key}"] td').all_inner_texts()]


def test_visitor_filters_one_agency_reads_the_figures_and_downloads_the_csv(
    page: Page, mobile_page: Page, live_portal: LivePortal
):
    assert "READY" in live_portal.shell(SETUP)

    page.goto("/statistics/")
    expect(page.locator("h1")).to_have_text("Thống kê tình hình giải quyết hồ sơ")
    expect(page.locator(".stats-scope")).to_contain_text("Toàn quốc (tất cả cơ quan)")
    audit(page)

    page.locator("#id_agency").select_option("SO-TK-E2E")
    page.get_by_role("button", name="Xem thống kê").click()
    expect(page).to_have_url(re.compile(r"agency=SO-TK-E2E"))
    expect(page.locator(".stats-scope")).to_contain_text("Sở Thống kê Thử nghiệm và các đơn vị trực thuộc")
    audit(page)
    assert row_cells(page, "table-agency", "SO-TK-E2E") == PARENT_ROW
    assert row_cells(page, "table-agency", "PHUONG-TK-E2E") == CHILD_ROW
    assert row_cells(page, "table-agency", "total")[:9] == ["5", "0", "3", "2", "0", "1", "2", "1", "0"]
    expect(page.get_by_role("img", name=re.compile("Hồ sơ theo cơ quan"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Hồ sơ theo tháng"))).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng này (tệp CSV, mở được bằng Excel)").first.click()
    assert download.value.suggested_filename.startswith("thong-ke-ho-so-co-quan-")
    body = download.value.path().read_bytes().decode("utf-8")
    assert body.startswith("\ufeffMã cơ quan,Cơ quan,Tiếp nhận,Tiếp nhận quá 8 giờ làm việc,")
    assert "SO-TK-E2E,Sở Thống kê Thử nghiệm,4,0,3,2,0,1,1,1,0,66.7,1,5.0" in body

    mobile_page.goto("/statistics/?agency=SO-TK-E2E")
    expect(mobile_page.locator("#table-agency")).to_be_visible()
    audit(mobile_page)  # the wide tables scroll inside their own region, the page does not

    page.goto("/statistics/?from=2026-13&agency=KHONG-CO")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_from_error")).to_contain_text("Nhập tháng theo dạng 2026-03")
    expect(page.locator("#id_agency_error")).to_contain_text("Cơ quan này không có trong danh mục")
    audit(page)
