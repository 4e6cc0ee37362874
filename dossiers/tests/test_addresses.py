"""The dossier's addresses (applicant, postal address for the result) in the two tiers since
1 July 2025; converting stored free-text addresses; the agencies without the district level."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers.models import Dossier
from dossiers.tests.factories import DossierFactory
from dossiers.tests.test_wizard import applicant_post, step_url
from procedures.constants import AgencyLevel
from procedures.models import Agency, Procedure
from procedures.tests.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

HA_NOI, HOAN_KIEM, HO_CHI_MINH, SAI_GON = "01", "00070", "79", "26740"


def test_step_one_stores_both_addresses_with_their_codes(citizen_client, procedure):
    response = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]),
        applicant_post(
            result_delivery="post",
            result_province=HO_CHI_MINH,
            result_commune=SAI_GON,
            result_street="25 Nguyễn Huệ",
        ),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant_address == "12 Lý Thái Tổ, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert (dossier.applicant_province, dossier.applicant_commune) == (HA_NOI, HOAN_KIEM)
    assert dossier.result_address == "25 Nguyễn Huệ, Phường Sài Gòn, Thành phố Hồ Chí Minh"
    assert (dossier.result_province, dossier.result_commune, dossier.result_street) == (
        HO_CHI_MINH,
        SAI_GON,
        "25 Nguyễn Huệ",
    )


def test_step_one_refuses_a_commune_outside_the_province_and_keeps_what_was_typed(citizen_client, procedure):
    response = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]),
        applicant_post(applicant_province=HO_CHI_MINH, applicant_commune=HOAN_KIEM, applicant_street="Số 7 Lê Lợi"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "“Phường Hoàn Kiếm” không thuộc Thành phố Hồ Chí Minh." in html
    assert 'id="id_applicant_commune_error"' in html
    assert 'value="Số 7 Lê Lợi"' in html and '<option value="79" selected>' in html
    assert "Phường Sài Gòn" in html  # the commune list is the chosen province's (no script needed)
    assert not Dossier.objects.exists()


def test_a_posted_result_needs_its_province_commune_and_street(citizen_client, procedure):
    html = citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]), applicant_post(result_delivery="post")
    ).content.decode()
    assert "Chọn tỉnh, thành phố nơi gửi kết quả qua bưu điện." in html
    assert "Chọn xã, phường, đặc khu nơi gửi kết quả qua bưu điện." in html
    assert "Ghi số nhà, đường phố (hoặc thôn, tổ) nơi gửi kết quả qua bưu điện." in html


def test_a_result_collected_at_the_counter_keeps_no_postal_address(citizen_client, procedure):
    citizen_client.post(
        reverse("dossiers:new", args=[procedure.code]),
        applicant_post(result_province=HO_CHI_MINH, result_commune=SAI_GON, result_street="25 Nguyễn Huệ"),
    )
    dossier = Dossier.objects.get()
    assert (dossier.result_address, dossier.result_province, dossier.result_commune) == ("", "", "")


def test_a_draft_with_an_old_text_address_is_offered_converted_and_must_be_confirmed(
    citizen, citizen_client, procedure
):
    draft = DossierFactory(
        owner=citizen,
        procedure=procedure,
        applicant_address="Số 5 ngõ 10, phường Dịch Vọng, quận Cầu Giấy, Hà Nội",
        applicant_province="",
        applicant_commune="",
        applicant_street="",
    )
    html = citizen_client.get(step_url(draft, "applicant")).content.decode()
    assert '<option value="00166" selected>Phường Cầu Giấy</option>' in html
    assert 'value="Số 5 ngõ 10"' in html
    # Not chosen from the lists yet: the review asks for the applicant step again.
    review = citizen_client.get(step_url(draft, "review")).content.decode()
    assert "Hoàn thành thông tin người nộp." in review


def test_the_applicant_step_costs_the_same_queries_whatever_the_province(citizen, citizen_client, procedure):
    counts = []
    for province, commune in ((HA_NOI, HOAN_KIEM), (HO_CHI_MINH, SAI_GON), ("", "")):
        draft = DossierFactory(
            owner=citizen, procedure=procedure, applicant_province=province, applicant_commune=commune
        )
        with CaptureQueriesContext(connection) as queries:
            assert citizen_client.get(step_url(draft, "applicant")).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def convert(*args) -> str:
    out = StringIO()
    call_command("convert_addresses", *args, stdout=out)
    return out.getvalue()


def test_convert_addresses_is_a_dry_run_by_default_and_reports_what_it_cannot_convert():
    user = UserFactory(
        address="12 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội",
        address_province="",
        address_commune="",
        address_street="",
    )
    unreadable = UserFactory(address="Nhà bà Tư, gần chợ", address_province="", address_commune="", address_street="")
    out = convert()
    assert "user address: would convert 1, could not convert 1." in out
    assert f"user #{unreadable.pk}: Nhà bà Tư, gần chợ" in out
    assert "Dry run: nothing written." in out
    user.refresh_from_db()
    assert user.address_commune == "" and user.address_legacy == ""


def test_convert_addresses_apply_writes_codes_and_keeps_the_original_text():
    old = "12 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội"
    user = UserFactory(address=old, address_province="", address_commune="", address_street="")
    dossier = DossierFactory(
        applicant_address="10 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
        applicant_province="",
        applicant_commune="",
        applicant_street="",
        result_delivery="post",
        result_address=old,
    )
    untouched = DossierFactory()  # already has its codes
    before = (untouched.applicant_address, untouched.applicant_address_legacy)
    sent = DossierFactory(sent=True, applicant_address=old, applicant_province="", applicant_commune="")
    out = convert("--apply")
    assert "draft dossier applicant_address: converted 1" in out
    assert "draft dossier result_address: converted 1" in out
    user.refresh_from_db()
    assert user.address == "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert (user.address_province, user.address_commune, user.address_street) == (HA_NOI, HOAN_KIEM, "12 Hàng Bạc")
    assert user.address_legacy == old
    dossier.refresh_from_db()
    assert dossier.applicant_address == "10 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"
    assert dossier.applicant_address_legacy == "10 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh"
    assert dossier.result_commune == HOAN_KIEM and dossier.result_address_legacy == old
    untouched.refresh_from_db()
    assert (untouched.applicant_address, untouched.applicant_address_legacy) == before
    sent.refresh_from_db()  # a sent dossier keeps the address the agency received
    assert (sent.applicant_address, sent.applicant_commune, sent.applicant_address_legacy) == (old, "", "")
    assert "converted 0" in convert("--apply")  # a second run has nothing left to do


def test_the_migration_moves_the_district_agencies_to_the_communes():
    migration = importlib.import_module("procedures.migrations.0010_agency_two_tiers")
    hanoi = AgencyFactory(code="HN", level=AgencyLevel.PROVINCE, name="UBND Thành phố Hà Nội")
    district = AgencyFactory(code="UBND-Q-CAUGIAY", name="Ủy ban nhân dân quận Cầu Giấy", parent=hanoi)
    Agency.objects.filter(pk=district.pk).update(level="district")
    ward = AgencyFactory(code="UBND-PHUONG-DICHVONG", level=AgencyLevel.COMMUNE, parent=district)
    other = AgencyFactory(code="UBND-H-KHAC", name="UBND huyện Khác")
    Agency.objects.filter(pk=other.pk).update(level="district")
    moved = ProcedureFactory(agency=ward)
    migration.forwards(apps, None)
    district.refresh_from_db()
    assert (district.code, district.name, district.level, district.parent_id) == (
        "UBND-PHUONG-CAUGIAY",
        "Ủy ban nhân dân phường Cầu Giấy",
        AgencyLevel.COMMUNE,
        hanoi.pk,
    )
    assert Procedure.objects.get(pk=moved.pk).agency_id == district.pk
    ward.refresh_from_db()
    assert not ward.is_active
    assert not Agency.objects.filter(level="district").exists()


def test_the_demo_catalogue_has_no_district_agency():
    call_command("load_demo_catalogue", stdout=StringIO())
    assert not Agency.objects.filter(level="district").exists()
    assert not Agency.objects.filter(name__icontains="quận").exists()
    assert Agency.objects.get(code="UBND-PHUONG-CAUGIAY").level == AgencyLevel.COMMUNE
