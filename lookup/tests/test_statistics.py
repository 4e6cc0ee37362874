"""The public statistics page (/statistics/) and its CSV, proved on a hand-built set of dossiers.

Today is 10/04/2026. Two agencies: SO-A (with a sub-agency SO-A-P1) and SO-B; the period asked
for is 02/2026 – 03/2026. Every figure below is worked out by hand from the dossiers built in
``known``; the comments say which dossiers make each one.
"""

import csv
import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.constants import Timeliness
from dossiers.models import Apology, Rating
from dossiers.tests.factories import AgencyFactory, DossierFactory, DossierProcedureFactory, FieldFactory
from procedures.constants import AgencyLevel

pytestmark = pytest.mark.django_db

URL = reverse("lookup:statistics")
CSV_URL = reverse("lookup:statistics_csv")
PERIOD = {"from": "2026-02", "to": "2026-03"}
TODAY = dt.datetime(2026, 4, 10, 9, 0)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Vietnam time."""
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute)))


@pytest.fixture
def now(monkeypatch):
    moment = timezone.make_aware(TODAY)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture
def known(now):
    """The dossiers whose figures the tests check (see the module docstring)."""
    field_1 = FieldFactory(code="giao-duc", name="Giáo dục và đào tạo")
    field_2 = FieldFactory(code="ho-tich", name="Hộ tịch")
    agency_a = AgencyFactory(code="SO-A", name="Sở Giáo dục A")
    agency_a1 = AgencyFactory(code="SO-A-P1", name="UBND phường A1", level=AgencyLevel.COMMUNE, parent=agency_a)
    agency_b = AgencyFactory(code="SO-B", name="Sở Tư pháp B")
    procedure_a = DossierProcedureFactory(agency=agency_a, field=field_1)
    procedure_a1 = DossierProcedureFactory(agency=agency_a1, field=field_2)
    procedure_b = DossierProcedureFactory(agency=agency_b, field=field_1)

    def finished(procedure, received, due, done, timeliness, **extra):
        return DossierFactory(
            procedure=procedure,
            finished=True,
            received_at=at(received),
            due_date=dt.date.fromisoformat(due),
            finished_at=at(done),
            timeliness=timeliness,
            **extra,
        )

    def open_(procedure, received, due, trait="in_progress", **extra):
        return DossierFactory(
            procedure=procedure,
            received_at=received if isinstance(received, dt.datetime) else at(received),
            due_date=dt.date.fromisoformat(due),
            **{trait: True},
            **extra,
        )

    def apology(dossier, issued):
        row = Apology.objects.create(
            dossier=dossier, previous_due_date=dossier.due_date, new_due_date=dossier.due_date, reason="Chậm."
        )
        Apology.objects.filter(pk=row.pk).update(created_at=at(issued))

    def rating(dossier, score):
        Rating.objects.create(dossier=dossier, score=score)

    # SO-A: received a1, a2, a3, a6 in February, a4, a5 in March.
    a1 = finished(procedure_a, "2026-02-03", "2026-02-12", "2026-02-09", Timeliness.EARLY)
    a2 = finished(procedure_a, "2026-02-05", "2026-03-02", "2026-03-02", Timeliness.ON_TIME)
    a3 = finished(procedure_a, "2026-02-06", "2026-02-20", "2026-03-05", Timeliness.LATE, apology_count=1)
    finished(procedure_a, "2026-03-02", "2026-03-12", "2026-03-10", Timeliness.EARLY)  # a4, not rated
    open_(procedure_a, "2026-03-03", "2026-04-01")  # a5: in progress, overdue now
    # a6: waiting for the citizen's supplement: in progress, not overdue (the clock is stopped).
    open_(procedure_a, "2026-02-10", "2026-03-01", trait="supplement_requested")
    apology(a3, "2026-03-03")
    rating(a1, 5)
    rating(a2, 4)
    rating(a3, 2)
    # SO-A-P1: c2 received in February and rejected (a decision, not a result); c1 in progress.
    DossierFactory(
        procedure=procedure_a1,
        rejected=True,
        received_at=at("2026-02-10"),
        due_date=dt.date(2026, 2, 20),
        finished_at=at("2026-02-20"),
        timeliness=Timeliness.EARLY,
    )
    open_(procedure_a1, "2026-03-20", "2026-04-20")  # c1: in progress, not yet due
    # SO-B: b1 received in February, late, with an apology in February; b2 received at 00:30 on
    # 1 March in Vietnam (still 28 February in UTC): a March dossier, overdue now; b3 received in
    # January (outside the period) and finished on time in February.
    b1 = finished(procedure_b, "2026-02-02", "2026-02-20", "2026-02-27", Timeliness.LATE, apology_count=1)
    apology(b1, "2026-02-18")
    rating(b1, 3)
    open_(procedure_b, at("2026-03-01", 0, 30), "2026-03-20")  # b2
    b3 = finished(procedure_b, "2026-01-20", "2026-02-02", "2026-02-02", Timeliness.ON_TIME)
    rating(b3, 4)
    # Outside the period or never received: counted nowhere.
    old = finished(procedure_b, "2025-12-01", "2025-12-10", "2025-12-10", Timeliness.ON_TIME, apology_count=1)
    apology(old, "2025-12-05")
    rating(old, 1)
    DossierFactory(procedure=procedure_b)  # a draft
    DossierFactory(procedure=procedure_b, sent=True)  # sent, not received yet
    DossierFactory(procedure=procedure_b, refused=True)
    return {"agency_a": agency_a, "agency_b": agency_b}


# Columns: received, received after the 8-hour reception deadline (issue 20), results, early,
# on time, late, in progress, overdue now, apologies, on-time rate, ratings, average rating, fees paid, fees collected
# (Vietnamese number format).
EXPECTED_BY_AGENCY = {
    "SO-A": ["6", "0", "4", "2", "1", "1", "2", "1", "1", "75,0%", "3", "3,7", "0", "0"],  # rate 3/4, ratings (5+4+2)/3
    "SO-A-P1": ["2", "0", "0", "0", "0", "0", "1", "0", "0", "—", "0", "—", "0", "0"],
    "SO-B": ["2", "0", "2", "0", "1", "1", "1", "1", "1", "50,0%", "2", "3,5", "0", "0"],  # ratings (3+4)/2
    "total": ["10", "0", "6", "2", "2", "2", "4", "2", "2", "66,7%", "5", "3,6", "0", "0"],  # ratings 18/5
}
EXPECTED_BY_MONTH = {
    # February: received a1 a2 a3 a6 c2 b1; results a1 (early) b1 (late) b3 (on time); a6 open;
    # b1's apology; ratings a1 5, b1 3, b3 4.
    "2026-02": ["6", "0", "3", "1", "1", "1", "1", "0", "1", "66,7%", "3", "4,0", "0", "0"],
    # March: received a4 a5 c1 b2; results a2 (on time) a3 (late) a4 (early); a5 c1 b2 open, a5 b2
    # overdue; a3's apology; ratings a2 4, a3 2.
    "2026-03": ["4", "0", "3", "1", "1", "1", "3", "2", "1", "66,7%", "2", "3,0", "0", "0"],
    "total": EXPECTED_BY_AGENCY["total"],
}
CSV_EXPECTED_BY_AGENCY = {
    "SO-A": ["6", "0", "4", "2", "1", "1", "2", "1", "1", "75.0", "3", "3.7", "0", "0"],
    "SO-A-P1": ["2", "0", "0", "0", "0", "0", "1", "0", "0", "", "0", "", "0", "0"],
    "SO-B": ["2", "0", "2", "0", "1", "1", "1", "1", "1", "50.0", "2", "3.5", "0", "0"],
    "": ["10", "0", "6", "2", "2", "2", "4", "2", "2", "66.7", "5", "3.6", "0", "0"],
}


class TableParser(HTMLParser):
    """Rows of each <table> by their data-key: the cells' text (the row header left out)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.table = self.row = self.cell = None
        self.in_header = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attrs.get("id", ""), {})
        elif tag == "tr" and self.table is not None and "data-key" in attrs:
            self.row = self.table.setdefault(attrs["data-key"], [])
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, dict[str, list[str]]]:
    parser = TableParser()
    parser.feed(html)
    return parser.tables


def test_every_figure_per_agency_and_per_month(client, known):
    response = client.get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    found = tables(html)
    assert found["table-agency"] == EXPECTED_BY_AGENCY
    assert found["table-month"] == EXPECTED_BY_MONTH
    assert "Thống kê tình hình giải quyết hồ sơ" in html
    assert "Toàn quốc (tất cả cơ quan) · tất cả lĩnh vực · 02/2026 – 03/2026" in html


def test_one_agency_includes_its_sub_agencies(client, known):
    html = client.get(URL, {**PERIOD, "agency": "SO-A"}).content.decode()
    found = tables(html)
    total = ["8", "0", "4", "2", "1", "1", "3", "1", "1", "75,0%", "3", "3,7", "0", "0"]
    assert found["table-agency"] == {
        "SO-A": EXPECTED_BY_AGENCY["SO-A"],
        "SO-A-P1": EXPECTED_BY_AGENCY["SO-A-P1"],
        "total": total,
    }
    assert found["table-month"]["2026-02"] == [
        "5",
        "0",
        "1",
        "1",
        "0",
        "0",
        "1",
        "0",
        "0",
        "100,0%",
        "1",
        "5,0",
        "0",
        "0",
    ]
    assert found["table-month"]["2026-03"] == [
        "3",
        "0",
        "3",
        "1",
        "1",
        "1",
        "2",
        "1",
        "1",
        "66,7%",
        "2",
        "3,0",
        "0",
        "0",
    ]
    assert "Sở Giáo dục A và các đơn vị trực thuộc" in html
    assert 'class="depth-1">UBND phường A1' in html  # indented under its parent
    assert "Sở Tư pháp B" not in html.split("<table")[1]


def test_the_sub_agency_alone(client, known):
    found = tables(client.get(URL, {**PERIOD, "agency": "so-a-p1"}).content.decode())  # codes ignore case
    assert found["table-agency"] == {"SO-A-P1": EXPECTED_BY_AGENCY["SO-A-P1"], "total": EXPECTED_BY_AGENCY["SO-A-P1"]}


def test_field_filter(client, known):
    found = tables(client.get(URL, {**PERIOD, "field": "ho-tich"}).content.decode())
    assert found["table-agency"] == {"SO-A-P1": EXPECTED_BY_AGENCY["SO-A-P1"], "total": EXPECTED_BY_AGENCY["SO-A-P1"]}
    found = tables(client.get(URL, {**PERIOD, "field": "giao-duc", "agency": "SO-B"}).content.decode())
    assert found["table-agency"]["total"] == EXPECTED_BY_AGENCY["SO-B"]


def test_default_period_is_the_last_twelve_months(client, known):
    html = client.get(URL).content.decode()
    found = tables(html)
    assert list(found["table-month"]) == [f"{y}-{m:02d}" for y, m in [(2025, m) for m in range(5, 13)]] + [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "total",
    ]
    assert "05/2025 – 04/2026" in html
    # December 2025 now counts: the old dossier (received, finished, rated) and its apology.
    assert found["table-month"]["2025-12"] == [
        "1",
        "0",
        "1",
        "0",
        "1",
        "0",
        "0",
        "0",
        "1",
        "100,0%",
        "1",
        "1,0",
        "0",
        "0",
    ]
    assert found["table-month"]["2026-01"][0] == "1"  # b3 received
    assert 'value="2025-05"' in html and 'value="2026-04"' in html  # the month boxes show the defaults


def test_only_the_first_month_runs_up_to_now(client, known):
    html = client.get(URL, {"from": "2026-03"}).content.decode()
    assert list(tables(html)["table-month"]) == ["2026-03", "2026-04", "total"]


def test_month_typed_the_vietnamese_way(client, known):
    found = tables(client.get(URL, {"from": "02/2026", "to": "3/2026"}).content.decode())
    assert found["table-agency"] == EXPECTED_BY_AGENCY


def test_csv_per_agency_has_the_same_figures(client, known):
    response = client.get(CSV_URL, {**PERIOD, "view": "agency"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="thong-ke-ho-so-co-quan-2026-02-2026-03.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # BOM: Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == [
        "Mã cơ quan",
        "Cơ quan",
        "Tiếp nhận",
        "Tiếp nhận quá 8 giờ làm việc",
        "Đã giải quyết",
        "Trước hạn",
        "Đúng hạn",
        "Trễ hạn",
        "Đang giải quyết",
        "Đang quá hạn",
        "Phiếu xin lỗi",
        "Tỷ lệ đúng hạn (%)",
        "Lượt đánh giá",
        "Điểm hài lòng trung bình (1–5)",
        "Lệ phí đã nộp",
        "Lệ phí đã thu (đồng)",
    ]
    assert {row[0]: row[2:] for row in rows[1:]} == CSV_EXPECTED_BY_AGENCY
    assert [row[1] for row in rows[1:]] == ["Sở Giáo dục A", "UBND phường A1", "Sở Tư pháp B", "Tổng cộng"]


def test_csv_per_month_has_the_same_figures(client, known):
    response = client.get(CSV_URL, {**PERIOD, "view": "month"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Tháng"
    assert rows[1:] == [
        ["02/2026", "6", "0", "3", "1", "1", "1", "1", "0", "1", "66.7", "3", "4.0", "0", "0"],
        ["03/2026", "4", "0", "3", "1", "1", "1", "3", "2", "1", "66.7", "2", "3.0", "0", "0"],
        ["Tổng cộng", *CSV_EXPECTED_BY_AGENCY[""]],
    ]


def test_page_links_to_the_csv_of_the_same_selection(client, known):
    html = client.get(URL, {**PERIOD, "agency": "SO-A", "field": "giao-duc"}).content.decode()
    assert f"{CSV_URL}?from=2026-02&amp;to=2026-03&amp;agency=SO-A&amp;field=giao-duc&amp;view=agency" in html
    assert f"{CSV_URL}?from=2026-02&amp;to=2026-03&amp;agency=SO-A&amp;field=giao-duc&amp;view=month" in html


def test_tables_and_charts_are_accessible(client, known):
    html = client.get(URL, PERIOD).content.decode()
    assert html.count("<caption") == 2
    assert '<caption id="table-agency-caption">Hồ sơ theo cơ quan: Toàn quốc' in html
    assert html.count('<th scope="col">') == 30  # 14 figure columns in each of the two tables
    assert '<th scope="row" class="depth-0">Sở Giáo dục A</th>' in html
    # Two charts, each named by its own title and description (ids never repeat on the page).
    assert 'aria-labelledby="chart-agency-title chart-agency-desc"' in html
    assert 'aria-labelledby="chart-month-title chart-month-desc"' in html
    assert '<title id="chart-agency-title">Hồ sơ theo cơ quan, 02/2026 – 03/2026</title>' in html
    assert html.count('role="img"') == 2
    assert 'role="region" aria-labelledby="table-agency-caption" tabindex="0"' in html  # scrollable by keyboard


def test_empty_selection_says_so(client, known):
    html = client.get(URL, {"from": "2024-01", "to": "2024-06"}).content.decode()
    assert "Không có hồ sơ nào được tiếp nhận hoặc giải quyết" in html
    assert "<svg" not in html


def test_the_nav_links_to_the_statistics(client):
    html = client.get(reverse("home")).content.decode()
    assert f'<a href="{URL}">Thống kê</a>' in html


# --- Speed: constant queries, brief cache -----------------------------------------------------


def add_noise(count: int) -> None:
    """More dossiers of every kind over the period (the query count must not change)."""
    for i in range(count):
        day = f"2026-0{2 + i % 2}-{10 + i % 9:02d}"
        DossierFactory(
            procedure__agency__code=f"NOISE-{i % 4}",
            finished=True,
            received_at=at(day),
            due_date=dt.date.fromisoformat(day),
            finished_at=at(day, 15),
            timeliness=Timeliness.ON_TIME,
        )


def test_queries_do_not_grow_with_the_data(client, known, django_assert_num_queries):
    from django.core.cache import cache

    # Cold: the catalogue tree and fields (2), the agencies (1), the aggregates (6, fees included).
    with django_assert_num_queries(9):
        client.get(URL, PERIOD)
    cache.clear()
    with django_assert_num_queries(8):  # one agency: its subtree comes from the catalogue's tree
        client.get(URL, {**PERIOD, "agency": "SO-A", "field": "giao-duc"})
    add_noise(12)
    cache.clear()
    with django_assert_num_queries(9):
        html = client.get(URL, PERIOD).content.decode()
    assert tables(html)["table-agency"]["total"][0] == "22"
    with django_assert_num_queries(0):  # warm: everything from the cache
        client.get(URL, PERIOD)
    with django_assert_num_queries(0):
        client.get(CSV_URL, {**PERIOD, "view": "month"})


def test_figures_are_cached_briefly_per_selection_and_language(client, known, settings):
    from django.core.cache import cache

    assert settings.STATISTICS_CACHE_SECONDS == 300
    first = tables(client.get(URL, PERIOD).content.decode())
    add_noise(2)
    assert tables(client.get(URL, PERIOD).content.decode()) == first  # cached: same figures
    other = tables(client.get(URL, {**PERIOD, "agency": "SO-B"}).content.decode())
    assert other["table-agency"]["total"] == EXPECTED_BY_AGENCY["SO-B"]
    english = client.get("/en" + URL, PERIOD).content.decode()
    assert "Dossiers by agency, 02/2026 – 03/2026" in english  # not the cached Vietnamese chart
    assert tables(english)["table-agency"]["total"][0] == "12"  # computed afresh: the new dossiers count
    assert tables(english)["table-agency"]["total"][9] == "75.0%"  # English number format
    cache.clear()
    assert tables(client.get(URL, PERIOD).content.decode())["table-agency"]["total"][0] == "12"


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-03", "to": "2026-02"}, "to", "Tháng kết thúc đứng trước tháng bắt đầu"),
        ({"from": "0001-01", "to": "2026-03"}, "from", "Chọn một tháng từ 01/2000 đến tháng hiện tại"),
        ({"from": "2026-01", "to": "9999-12"}, "to", "Chọn một tháng từ 01/2000 đến tháng hiện tại"),
        ({"from": "2026-05"}, "from", "Chọn một tháng từ 01/2000 đến tháng hiện tại"),  # the future
        ({"from": "2005-01", "to": "2026-03"}, "from", "Khoảng thời gian quá dài (tối đa 120 tháng)"),
        ({"from": "2026-13"}, "from", "Nhập tháng theo dạng 2026-03"),
        ({"to": "tháng ba"}, "to", "Nhập tháng theo dạng 2026-03"),
        ({"from": "2" * 5000}, "from", "Nhập tháng theo dạng 2026-03"),
        ({"agency": "KHONG-CO"}, "agency", "Cơ quan này không có trong danh mục"),
        ({"field": "khong-co"}, "field", "Lĩnh vực này không có trong danh mục"),
    ],
)
def test_bad_filters_get_a_message_beside_the_field_and_the_default_figures(client, known, params, field, message):
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html
    error_block = html.split(f'id="id_{field}_error"', 1)[1].split("</div>", 1)[0]
    assert message in error_block
    assert 'id="table-agency"' in html  # still a normal page with figures (the defaults)


@pytest.mark.parametrize(
    "params",
    [
        {"agency": "<script>alert(1)</script>"},
        {"field": '"><script>alert(1)</script>'},
        {"from": "<script>alert(1)</script>", "to": "<img src=x onerror=alert(1)>"},
        {"agency": "' OR 1=1 --", "field": "x'; DROP TABLE dossiers_dossier; --"},
    ],
)
def test_hostile_input_is_never_echoed_raw_nor_a_500(client, known, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "Toàn quốc (tất cả cơ quan)" in html
    csv_response = client.get(CSV_URL, params)
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/html")  # the page with its messages, not a file


def test_a_nul_in_a_filter_is_a_bad_request_before_any_query(client, django_assert_num_queries):
    """core.middleware.RefuseControlCharactersMiddleware (PostgreSQL text cannot hold NUL)."""
    with django_assert_num_queries(0):
        assert client.get(URL, {"agency": "\x00", "from": "\x00"}).status_code == 400
        assert client.get(CSV_URL, {"agency": "\x00"}).status_code == 400


def test_full_width_digits_are_read(client, known):
    found = tables(client.get(URL, {"from": "２０２６-０２", "to": "２０２６-０３"}).content.decode())
    assert found["table-agency"] == EXPECTED_BY_AGENCY


def test_unknown_csv_view_falls_back_to_agencies(client, known):
    response = client.get(CSV_URL, {**PERIOD, "view": "<b>"})
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("Mã cơ quan,")


def test_statistics_page_is_get_only(client):
    assert client.post(URL).status_code == 405


def test_empty_month_boxes_show_the_months_used(client, known):
    html = client.get(URL, {"agency": "SO-A", "from": "", "to": ""}).content.decode()
    assert 'value="2025-05"' in html and 'value="2026-04"' in html


def test_figures_grid_bounds_days_inside_months_for_the_command(known):
    """The dossier_stats command takes any dates: the moments themselves are bounded then."""
    from dossiers.stats import RECEPTION, figures_grid
    from procedures.models import Agency

    grid = figures_grid(
        start=dt.date(2026, 2, 10),
        end=dt.date(2026, 3, 4),
        agency_ids=Agency.objects.values_list("pk", flat=True),
        groups=[RECEPTION],
    )
    received: dict[str, int] = {}
    for (_agency, month), counts in grid.items():
        received[month] = received.get(month, 0) + counts["received"]
    assert received == {"2026-02": 2, "2026-03": 3}  # a6 c2 / a4 a5 b2


def test_numbers_follow_the_language():
    from django.utils import translation

    from lookup.templatetags.stats_tags import decimal1, figure

    with translation.override("vi"):
        assert (figure(1234567), decimal1(84.94), figure(None), decimal1(None)) == ("1.234.567", "84,9", "—", "—")
    with translation.override("en"):
        assert (figure(1234567), decimal1(84.94)) == ("1,234,567", "84.9")


def test_fees_collected_per_agency_and_month(client, known):
    """Fees paid online (issue 21) by the month they were paid, in the tables and the CSV."""
    import datetime as dt

    from django.utils import timezone

    from dossiers.models import Dossier
    from dossiers.tests.factories import PaymentFactory

    dossier = Dossier.objects.filter(agency=known["agency_b"]).exclude(status="draft").first()
    paid_at = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0))
    PaymentFactory(dossier=dossier, paid=True, paid_at=paid_at, paid_amount=150000)
    found = tables(client.get(URL, PERIOD).content.decode())
    assert found["table-agency"]["SO-B"][-2:] == ["1", "150.000"]
    assert found["table-month"]["2026-03"][-2:] == ["1", "150.000"]
    assert found["table-month"]["2026-02"][-2:] == ["0", "0"]
