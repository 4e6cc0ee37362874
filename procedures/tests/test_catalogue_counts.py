"""The catalogue's counts and pages, checked against a plain count of the procedures: with or
without a keyword, exact or typo-tolerant, each option's number is exactly what choosing it gives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures import selectors, services
from procedures.constants import AgencyLevel, ServiceLevel
from procedures.models import Procedure, SearchEntry

from .factories import AgencyFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
LIST = "/procedures/"


@pytest.fixture
def catalogue():
    """Two agencies with a sub-agency each, three fields, both levels, one withdrawn procedure."""
    ministry = AgencyFactory(code="BO", name="Bộ Tư pháp", level=AgencyLevel.MINISTRY)
    department = AgencyFactory(code="SO", name="Sở Tư pháp", parent=ministry)
    province = AgencyFactory(code="TINH", name="UBND tỉnh", level=AgencyLevel.PROVINCE)
    district = AgencyFactory(code="XA", name="UBND xã", level=AgencyLevel.COMMUNE, parent=province)
    civil = FieldFactory(code="ho-tich", name="Hộ tịch")
    building = FieldFactory(code="xay-dung", name="Xây dựng")
    other = FieldFactory(code="khac", name="Khác")
    names = [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
        "Cấp giấy phép xây dựng",
        "Cấp bản sao trích lục hộ tịch",
        "Đăng ký lại khai sinh",
    ]
    agencies = [ministry, department, province, district]
    fields = [civil, building, other]
    for index in range(24):
        ProcedureFactory(
            name=f"{names[index % len(names)]} loại {index}",
            agency=agencies[index % 4],
            field=fields[index % 3],
            service_level=ServiceLevel.PARTIAL_ONLINE if index % 5 == 0 else ServiceLevel.FULL_ONLINE,
        )
    ProcedureFactory(name="Đăng ký khai sinh đã bãi bỏ", agency=district, field=civil, unpublished=True)


def expected(q: str, agency: str, field: str, level: str) -> dict:
    """Ground truth from the procedures themselves: each option with the other filters applied."""
    meta = selectors.catalogue_meta()
    found = list(
        selectors.procedure_catalogue(query=selectors.CatalogueQuery(q=q)).queryset.values_list(
            "agency_id", "field__code", "service_level"
        )
    )

    def under(code: str) -> set[int]:
        return set(meta.tree.by_code[code].descendant_ids)

    def keep(row, *, skip: str = "") -> bool:
        agency_id, field_code, row_level = row
        return (
            (skip == "agency" or not agency or agency_id in under(agency))
            and (skip == "field" or not field or field_code == field)
            and (skip == "level" or not level or row_level == level)
        )

    counts = {
        "agency": {
            node.code: sum(1 for r in found if keep(r, skip="agency") and r[0] in under(node.code))
            for node in meta.tree.nodes
        },
        "field": {},
        "level": {},
        "total": {"": sum(1 for r in found if keep(r))},
    }
    for row in found:
        if keep(row, skip="field"):
            counts["field"][row[1]] = counts["field"].get(row[1], 0) + 1
        if keep(row, skip="level"):
            counts["level"][row[2]] = counts["level"].get(row[2], 0) + 1
    return counts


COMBINATIONS = [
    ("", "", "", ""),
    ("", "BO", "", ""),
    ("", "TINH", "ho-tich", ""),
    ("", "", "", ServiceLevel.PARTIAL_ONLINE),
    ("dang ky", "", "", ""),
    ("dang ky", "TINH", "", ServiceLevel.FULL_ONLINE),
    ("khai sinh", "BO", "ho-tich", ServiceLevel.PARTIAL_ONLINE),
    ("cap", "XA", "xay-dung", ""),
    ("dang ki khai sin", "", "", ""),  # typo: the close names
    ("dang ki khai sin", "BO", "", ServiceLevel.FULL_ONLINE),
]


def nonzero(counts: dict) -> dict:
    return {group: {key: n for key, n in values.items() if n} for group, values in counts.items()}


@pytest.mark.parametrize(("q", "agency", "field", "level"), COMBINATIONS)
def test_every_count_is_what_choosing_the_option_gives(catalogue, q, agency, field, level):
    query = selectors.CatalogueQuery(q=q, agency=agency, field=field, level=level)
    result = selectors.procedure_catalogue(query=query)
    assert nonzero(result.counts) == nonzero(expected(q, agency, field, level))
    # The page shows the first results of the same order, the total is the number of results.
    everything = list(result.queryset)
    assert result.counts["total"][""] == len(everything)
    assert [card.pk for card in result.rows(0, 5)] == [p.pk for p in everything[:5]]
    assert [card.pk for card in result.rows(5, 5)] == [p.pk for p in everything[5:10]]


def test_typo_pages_and_filters_come_from_one_list(catalogue, django_assert_num_queries):
    query = selectors.CatalogueQuery(q="dang ki khai sin", agency="BO")
    result = selectors.procedure_catalogue(query=query)
    assert result.corrected and result.counts["total"][""] > 0
    assert "khai sinh" in result.rows(0, 20)[0].name.lower()
    # Another filter or page of the same typo: the close spellings are looked up once (cached).
    # Its counts are added up from the cached matches; the page's ranked ids, then its rows.
    with django_assert_num_queries(2):
        other = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="dang ki khai sin", field="ho-tich"))
        other.rows(0, 20)


def test_search_entries_follow_every_change_of_their_procedure(catalogue):
    procedure = Procedure.objects.get(name="Đăng ký kết hôn loại 1")
    entry = SearchEntry.objects.get(pk=procedure.pk)
    assert (entry.is_published, entry.agency_id, entry.field_id, entry.service_level) == (
        True,
        procedure.agency_id,
        procedure.field_id,
        procedure.service_level,
    )
    assert (entry.search_name, entry.search_name_written) == ("dang ky ket hon loai 1", "đăng ký kết hôn loại 1")
    # A bulk update that bypasses the services still moves the entry (database trigger).
    other = AgencyFactory(code="KHAC")
    Procedure.objects.filter(pk=procedure.pk).update(
        is_published=False, agency=other, service_level=ServiceLevel.PARTIAL_ONLINE, name="Tên mới"
    )
    entry.refresh_from_db()
    assert (entry.is_published, entry.agency_id, entry.service_level, entry.name) == (
        False,
        other.pk,
        ServiceLevel.PARTIAL_ONLINE,
        "Tên mới",
    )
    assert procedure.pk not in {
        p.pk for p in selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="ket hon")).queryset
    }
    procedure.delete()
    assert not SearchEntry.objects.filter(pk=procedure.pk).exists()


def test_every_procedure_has_its_entry_after_an_import(demo_catalogue):
    columns = ("is_published", "agency_id", "field_id", "service_level", "name")
    entries = {row[0]: row[1:] for row in SearchEntry.objects.values_list("pk", *columns)}
    procedures = {row[0]: row[1:] for row in Procedure.objects.values_list("pk", *columns)}
    assert entries == procedures
    assert not SearchEntry.objects.filter(name_vector=None).exists()


def test_after_a_catalogue_change_the_plain_list_is_ready(client, catalogue, django_capture_on_commit_callbacks):
    """The warm-up that follows a change computes the agency tree, the fields, the synonyms, the
    vocabulary and the plain list's counts, so its first visitor pays only for the page's rows."""
    with django_capture_on_commit_callbacks(execute=True):
        services.catalogue_changed()
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(LIST).content.decode()
    assert len(ctx.captured_queries) == 1
    assert "24 thủ tục" in html
    # A keyword nobody searched since: its matches counted, its page's ids ranked and their rows
    # read (one query each; the vocabulary was read by the warm-up); the search counted (one UPDATE).
    services.search_record(q="dang ky", found=True)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(LIST, {"q": "dang ky", "agency": "BO"}).content.decode()
    assert len(ctx.captured_queries) == 4
    assert "Đăng ký" in html
