"""The public verification of electronic results (/verify/): code + captcha, optionally a copy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from dossiers import services, workflow
from dossiers.files import check_upload
from dossiers.models import Result
from dossiers.tests.factories import DossierFactory, officer, procedure_with_form, real_pdf_bytes

pytestmark = pytest.mark.django_db

URL = reverse("lookup:verify")


@pytest.fixture
def result():
    procedure = procedure_with_form()
    owner = UserFactory(full_name="Trần Thị Bình", citizen_id="001190099999")
    dossier = DossierFactory(owner=owner, procedure=procedure, in_progress=True, code="SGDDT-HN-261122-AB3CDE")
    leader = officer(procedure.agency, "leader", full_name="Lê Văn Ký")
    upload = SimpleUploadedFile("ban-sao.pdf", real_pdf_bytes(), content_type="application/pdf")
    workflow.dossier_finish(dossier=dossier, user=leader, result_files=[check_upload(upload)])
    return Result.objects.select_related("attachment", "agency").get(dossier=dossier)


def signed_bytes(result) -> bytes:
    with result.attachment.file.open("rb") as handle:
        return handle.read()


def verify(client, code, captcha, **data):
    return client.post(URL, {"code": code, **captcha, **data})


def test_the_qr_link_prefills_the_code_and_asks_the_captcha(client):
    html = client.get(URL + "?code=%20sgddt-hn-261122-ab3cde-kq1%20").content.decode()
    assert 'value="SGDDT-HN-261122-AB3CDE-KQ1"' in html and 'name="captcha_1"' in html
    assert "Kiểm tra kết quả điện tử" in html


def test_a_valid_result_shows_agency_date_status_and_hash_and_no_personal_data(client, captcha_ok, result):
    html = verify(client, " sgddt-hn-261122-ab3cde - kq1 ", captcha_ok).content.decode()
    assert result.code in html and result.agency.name in html and result.sha256 in html
    assert "Hợp lệ" in html
    for private in ("Trần Thị Bình", "001190099999", "Lê Văn Ký", "ban-sao.pdf"):
        assert private not in html


def test_the_issued_file_matches_and_an_altered_copy_does_not(client, captcha_ok, result):
    data = signed_bytes(result)
    same = SimpleUploadedFile("copy.pdf", data, content_type="application/pdf")
    html = verify(client, result.code, captcha_ok, file=same).content.decode()
    assert "đúng là tệp đã được cấp" in html
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    forged = SimpleUploadedFile("copy.pdf", bytes(altered), content_type="application/pdf")
    html = verify(client, result.code, captcha_ok, file=forged).content.decode()
    assert "KHÔNG khớp" in html


def test_an_uploaded_copy_is_not_stored(client, captcha_ok, result, settings):
    media = settings.MEDIA_ROOT
    before = sorted(p for p in media.rglob("*") if p.is_file())
    verify(client, result.code, captcha_ok, file=SimpleUploadedFile("x.pdf", b"%PDF-1.4 fake", "application/pdf"))
    assert sorted(p for p in media.rglob("*") if p.is_file()) == before


def test_a_revoked_result_says_so_with_the_date(client, captcha_ok, result):
    leader = result.dossier.agency.memberships.first().user
    services.result_revoke(result=result, user=leader, reason="Cấp nhầm")
    result.refresh_from_db()
    html = verify(client, result.code, captcha_ok).content.decode()
    assert f"Đã thu hồi ngày {result.revoked_at.astimezone().strftime('%d/%m/%Y')}" in html
    assert "Cấp nhầm" not in html  # the reason stays with the agency


def test_an_unknown_or_malformed_code_gets_a_clear_answer(client, captcha_ok):
    html = verify(client, "SGDDT-HN-261122-AB3CDE-KQ9", captcha_ok).content.decode()
    assert "Không có kết quả nào mang mã này" in html
    html = verify(client, "<script>", captcha_ok).content.decode()
    assert "chỉ gồm chữ cái, chữ số và dấu gạch ngang" in html and "<script>" not in html


def test_a_wrong_captcha_reveals_nothing(client, result):
    html = client.post(URL, {"code": result.code, "captcha_0": "x", "captcha_1": "WRONG"}).content.decode()
    assert result.sha256 not in html and result.agency.name not in html


@override_settings(RATE_LIMITS={"verify": "2/d"})
def test_verifications_are_rate_limited(client, captcha_ok, result):
    for _ in range(2):
        assert verify(client, result.code, captcha_ok).status_code == 200
    assert verify(client, result.code, captcha_ok).status_code == 429


def test_the_verification_runs_a_constant_number_of_queries(client, captcha_ok, result, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the captcha (read, delete) and the result with its agency
        verify(client, result.code, captcha_ok)


def test_an_oversized_copy_is_refused_at_its_field(client, captcha_ok, result, settings):
    settings.DOSSIER_MAX_FILE_SIZE = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 5000, content_type="application/pdf")
    html = verify(client, result.code, captcha_ok, file=big).content.decode()
    assert "lớn hơn mọi kết quả" in html and result.sha256 not in html
