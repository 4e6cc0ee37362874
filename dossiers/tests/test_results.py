"""Electronic results (issue 22): signed with the agency's certificate, coded, revocable, in the
citizen's document store, reusable in a new dossier, and opened by officers only through a dossier."""

import hashlib
import uuid

import pytest
from cryptography import x509
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse

from core import signing
from dossiers import services, workflow
from dossiers.constants import AttachmentKind, DossierStatus, ResultDelivery, ResultStatus, StoreSource
from dossiers.files import check_upload
from dossiers.models import Attachment, FileAccess, Result, StoredDocument
from dossiers.tests.conftest import upload
from dossiers.tests.factories import (
    AgencyFactory,
    AttachmentFactory,
    DossierFactory,
    DossierProcedureFactory,
    officer,
    pdf_bytes,
    real_pdf_bytes,
)

pytestmark = pytest.mark.django_db


def finish_with(dossier, user, *files):
    checked = [check_upload(upload(name, content, "application/pdf")) for name, content in files]
    return workflow.dossier_finish(dossier=dossier, user=user, result_files=checked)


@pytest.fixture
def issued(citizen, procedure, agency_officer):
    """A dossier finished online with one signed PDF result."""
    dossier = DossierFactory(
        owner=citizen, procedure=procedure, in_progress=True, result_delivery=ResultDelivery.ONLINE
    )
    finish_with(dossier, agency_officer, ("ban-sao-bang.pdf", real_pdf_bytes()))
    return Result.objects.select_related("attachment", "dossier").get(dossier=dossier)


def demo_ca() -> x509.Certificate:
    cert, _key = signing.demo_authority(settings.RESULT_SIGNING_DEMO_DIR)
    return cert


# --- Signing ----------------------------------------------------------------------------------


def test_a_finished_pdf_result_is_signed_and_validates_against_the_demo_ca(issued, procedure):
    assert issued.code == f"{issued.dossier.code}-KQ1"
    with issued.attachment.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == issued.sha256 == issued.attachment.sha256
    summary = signing.signature_summary(data, trust_roots=[demo_ca()])
    (signature,) = summary["signatures"]
    assert signature["intact"] and signature["valid"] and signature["trusted"] and signature["covers_whole_file"]
    assert procedure.agency.name in signature["signer"]
    assert issued.signer == procedure.agency.name
    assert issued.status == ResultStatus.VALID


def test_the_signed_copy_carries_the_verification_address_of_its_code(issued):
    with issued.attachment.file.open("rb") as handle:
        data = handle.read()
    # The QR stamp is also a link to the verification page (its text is drawn as glyphs).
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    page = PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Kids"][-1]
    links = [a.get_object()["/A"]["/URI"] for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    assert [link.split("/", 3)[3] for link in links] == [f"verify/?code={issued.code}"]


def test_an_altered_signed_copy_no_longer_validates(issued):
    with issued.attachment.file.open("rb") as handle:
        data = bytearray(handle.read())
    index = data.index(b"/Title")
    data[index + 8] ^= 0x01  # one byte of the signed revision
    (signature,) = signing.signature_summary(bytes(data), trust_roots=[demo_ca()])["signatures"]
    assert not signature["intact"]


def test_results_are_numbered_in_the_dossier(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    finish_with(dossier, agency_officer, ("a.pdf", real_pdf_bytes("Một")), ("b.pdf", real_pdf_bytes("Hai")))
    assert list(Result.objects.filter(dossier=dossier).values_list("code", flat=True)) == [
        f"{dossier.code}-KQ1",
        f"{dossier.code}-KQ2",
    ]


def test_a_damaged_pdf_result_is_refused_with_a_message_and_nothing_changes(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with pytest.raises(workflow.TransitionError, match="không ký được"):
        finish_with(dossier, agency_officer, ("hong.pdf", pdf_bytes(3000)))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert not Attachment.objects.filter(dossier=dossier).exists() and not Result.objects.exists()


def test_an_agency_without_a_certificate_cannot_issue_a_signed_result(settings, citizen, procedure, agency_officer):
    settings.RESULT_SIGNING_DEMO_DIR = ""
    settings.RESULT_SIGNING_KEYS = {}
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    with pytest.raises(workflow.TransitionError, match="chứng thư số"):
        finish_with(dossier, agency_officer, ("kq.pdf", real_pdf_bytes()))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS


def test_an_agency_key_from_the_environment_is_used(settings, tmp_path, citizen, procedure, agency_officer):
    path = signing.demo_certificate(tmp_path, key_name="X", common_name="Chứng thư riêng", organisation="Riêng")
    settings.RESULT_SIGNING_DEMO_DIR = ""
    settings.RESULT_SIGNING_KEYS = {
        procedure.agency.code.upper().replace("-", "_"): {"p12": str(path), "password": "demo"}
    }
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    finish_with(dossier, agency_officer, ("kq.pdf", real_pdf_bytes()))
    assert Result.objects.get(dossier=dossier).signer == "Chứng thư riêng"


# --- Revocation in the back office ------------------------------------------------------------


def result_admin_url(result) -> str:
    return reverse("admin:dossiers_result_change", args=[result.pk])


def test_an_officer_revokes_a_result_with_a_reason(client, issued, agency_officer):
    client.force_login(agency_officer)
    page = client.get(result_admin_url(issued))
    assert page.status_code == 200 and issued.code in page.content.decode()
    empty = client.post(result_admin_url(issued), {"reason": "  "})
    assert empty.status_code == 200
    issued.refresh_from_db()
    assert issued.status == ResultStatus.VALID
    done = client.post(result_admin_url(issued), {"reason": "Cấp nhầm thông tin năm tốt nghiệp."})
    assert done.status_code == 302
    issued.refresh_from_db()
    assert issued.status == ResultStatus.REVOKED and issued.revoked_at and issued.revoked_by == agency_officer
    assert issued.revocation_reason == "Cấp nhầm thông tin năm tốt nghiệp."


def test_an_officer_of_another_agency_gets_404_for_a_result(client, issued):
    other = officer(AgencyFactory(code="UBND-KHAC-KQ"), "leader")
    client.force_login(other)
    assert client.get(result_admin_url(issued)).status_code == 404
    assert client.post(result_admin_url(issued), {"reason": "x"}).status_code == 404
    issued.refresh_from_db()
    assert issued.status == ResultStatus.VALID


def test_a_receiving_officer_cannot_revoke(issued, procedure):
    receiver = officer(procedure.agency, "receiver")
    with pytest.raises(services.ResultRefused):
        services.result_revoke(result=issued, user=receiver, reason="Không được phép")


# --- The document store -------------------------------------------------------------------------


STORE = reverse("dossiers:store")


def test_a_result_lands_in_the_citizens_store_and_cannot_be_deleted(citizen_client, citizen, issued):
    entry = StoredDocument.objects.get(owner=citizen)
    assert entry.source == StoreSource.RESULT and entry.result == issued
    html = citizen_client.get(STORE).content.decode()
    assert issued.code in html and "Kho giấy tờ của tôi" in html
    download = citizen_client.get(reverse("dossiers:store_download", args=[entry.pk]))
    assert download.status_code == 200
    with issued.attachment.file.open("rb") as handle:
        assert b"".join(download.streaming_content) == handle.read()
    citizen_client.post(reverse("dossiers:store_delete", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_the_citizen_keeps_a_dossier_file_deletes_it_and_the_purge_removes_it(
    citizen_client, citizen, procedure, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    document = procedure.documents.get(name__startswith="Căn cước")
    attachment = AttachmentFactory(dossier=dossier, document=document, name="cccd.pdf")
    response = citizen_client.post(reverse("dossiers:keep", args=[dossier.code, attachment.pk]))
    assert response.status_code == 302
    citizen_client.post(reverse("dossiers:keep", args=[dossier.code, attachment.pk]))  # twice: kept once
    entry = StoredDocument.objects.get(owner=citizen)
    assert (entry.kind, entry.name, entry.dossier_code) == (document.name, "cccd.pdf", dossier.code)
    assert entry.file.name != attachment.file.name and default_storage.exists(entry.file.name)  # the store's copy
    html = citizen_client.get(STORE).content.decode()
    assert "cccd.pdf" in html and document.name in html
    deleted = citizen_client.post(reverse("dossiers:store_delete", args=[entry.pk]), follow=True)
    assert "Đã xoá “cccd.pdf” khỏi kho giấy tờ của bạn." in deleted.content.decode()
    assert "cccd.pdf" not in citizen_client.get(STORE).content.decode()
    assert citizen_client.get(reverse("dossiers:store_download", args=[entry.pk])).status_code == 404
    name = entry.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert services.store_purge() == 1
    assert not default_storage.exists(name) and default_storage.exists(attachment.file.name)


def test_strangers_get_404_for_store_urls_and_keep(client, stranger, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    attachment = AttachmentFactory(dossier=dossier)
    entry = services.store_keep(attachment=attachment, user=citizen)
    client.force_login(stranger)
    assert client.get(reverse("dossiers:store_download", args=[entry.pk])).status_code == 404
    assert client.get(reverse("dossiers:store_delete", args=[entry.pk])).status_code == 404
    assert client.post(reverse("dossiers:store_delete", args=[entry.pk])).status_code == 404
    assert client.post(reverse("dossiers:keep", args=[dossier.code, attachment.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.deleted_at is None and StoredDocument.objects.filter(owner=stranger).count() == 0
    assert "cccd" not in client.get(STORE).content.decode()


def test_an_officer_cannot_open_the_store_of_a_citizen(client, citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    entry = services.store_keep(attachment=AttachmentFactory(dossier=dossier), user=citizen)
    client.force_login(agency_officer)
    assert client.get(reverse("dossiers:store_download", args=[entry.pk])).status_code == 404


# --- "Chọn từ kho giấy tờ" in the wizard ------------------------------------------------------


def attachments_step(dossier) -> str:
    return reverse("dossiers:step", args=[dossier.code, "attachments"])


def test_the_wizard_attaches_a_stored_document_by_reference(citizen_client, citizen, procedure, issued):
    kept_from = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    id_card = services.store_keep(attachment=AttachmentFactory(dossier=kept_from, name="cccd.pdf"), user=citizen)
    draft = DossierFactory(owner=citizen, procedure=procedure)
    page = citizen_client.get(attachments_step(draft)).content.decode()
    assert "Hoặc chọn từ kho giấy tờ" in page and issued.code not in page  # listed by kind and name
    slots = list(procedure.documents.order_by("pk"))
    before = sorted(default_storage.listdir(f"{settings.DOSSIER_UPLOAD_DIR}/store")[1])
    response = citizen_client.post(
        attachments_step(draft),
        {
            "action": "upload",
            f"store-slot-{slots[0].pk}": str(issued.stored.pk),
            f"store-slot-{slots[1].pk}": str(id_card.pk),
        },
    )
    assert response.status_code == 302
    attached = {a.document_id: a for a in Attachment.objects.filter(dossier=draft)}
    assert (
        attached[slots[0].pk].stored == issued.stored and attached[slots[0].pk].file.name == issued.attachment.file.name
    )
    assert attached[slots[1].pk].stored == id_card and attached[slots[1].pk].file.name == id_card.file.name
    assert sorted(default_storage.listdir(f"{settings.DOSSIER_UPLOAD_DIR}/store")[1]) == before  # no new upload
    # Deleting the draft keeps the store's files.
    services.dossier_delete_draft(dossier=draft, user=citizen)
    assert default_storage.exists(id_card.file.name) and default_storage.exists(issued.attachment.file.name)


def test_a_strangers_store_id_in_the_wizard_is_refused_at_its_slot(citizen_client, citizen, procedure, stranger):
    theirs = services.store_keep(
        attachment=AttachmentFactory(dossier=DossierFactory(owner=stranger, procedure=procedure, sent=True)),
        user=stranger,
    )
    draft = DossierFactory(owner=citizen, procedure=procedure)
    slot = procedure.documents.order_by("pk").first()
    response = citizen_client.post(
        attachments_step(draft), {"action": "upload", f"store-slot-{slot.pk}": str(theirs.pk)}
    )
    assert response.status_code == 200
    assert "không có trong kho giấy tờ của bạn" in response.content.decode()
    assert not Attachment.objects.filter(dossier=draft).exists()


# --- Privacy: officers open stored files only through a dossier, and the citizen sees who ----


def test_an_officer_opens_a_stored_file_through_the_dossier_and_the_citizen_sees_agency_and_role(
    client, citizen, procedure, agency_officer
):
    kept_from = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    id_card = services.store_keep(attachment=AttachmentFactory(dossier=kept_from, name="cccd.pdf"), user=citizen)
    draft = DossierFactory(owner=citizen, procedure=procedure)
    attachment = services.attachment_add_from_store(dossier=draft, stored_id=id_card.pk, user=citizen)
    url = reverse("dossiers:download", args=[draft.code, attachment.pk])
    client.force_login(agency_officer)
    assert client.get(url).status_code == 404  # a draft is the citizen's alone
    from dossiers.models import Dossier

    Dossier.objects.filter(pk=draft.pk).update(status=DossierStatus.SENT, sent_at=kept_from.sent_at)
    assert client.get(url).status_code == 200
    other = officer(AgencyFactory(code="UBND-KHAC-KHO"), "leader")
    client.force_login(other)
    assert client.get(url).status_code == 404
    (access,) = FileAccess.objects.filter(owner=citizen)
    assert (access.stored, access.agency, access.role, access.user) == (
        id_card,
        procedure.agency,
        "leader",
        agency_officer,
    )
    client.force_login(citizen)
    html = client.get(STORE).content.decode()
    assert procedure.agency.name in html and "Lãnh đạo" in html
    assert agency_officer.full_name not in html


def test_the_citizens_own_downloads_are_not_listed_as_accesses(citizen_client, citizen, issued):
    citizen_client.get(reverse("dossiers:download", args=[issued.dossier.code, issued.attachment.pk]))
    assert not FileAccess.objects.exists()


def test_an_unknown_result_code_lookup_returns_none():
    from dossiers.selectors import result_by_code

    assert result_by_code("KHONG-CO-KQ1") is None


def test_purge_keeps_a_deleted_store_file_while_a_dossier_attaches_it(citizen, procedure):
    kept_from = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    entry = services.store_keep(attachment=AttachmentFactory(dossier=kept_from), user=citizen)
    sent = DossierFactory(owner=citizen, procedure=procedure)
    services.attachment_add_from_store(dossier=sent, stored_id=entry.pk, user=citizen)
    services.store_delete(stored=entry, user=citizen)
    assert services.store_purge() == 0
    assert default_storage.exists(entry.file.name)


def test_a_replayed_finish_issues_one_result(citizen, procedure, agency_officer):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    token = uuid.uuid4()
    for _ in range(2):
        checked = [check_upload(upload("kq.pdf", real_pdf_bytes(), "application/pdf"))]
        workflow.dossier_finish(dossier=dossier, user=agency_officer, result_files=checked, token=token)
    assert Result.objects.filter(dossier=dossier).count() == 1
    assert Attachment.objects.filter(dossier=dossier, kind=AttachmentKind.RESULT).count() == 1


def test_results_of_another_procedure_do_not_mix(citizen, agency_officer):
    other = DossierProcedureFactory(agency=agency_officer.memberships.first().agency)
    dossier = DossierFactory(owner=citizen, procedure=other, in_progress=True)
    finish_with(dossier, agency_officer, ("kq.pdf", real_pdf_bytes()))
    assert Result.objects.get(dossier=dossier).code.endswith("-KQ1")


def test_result_files_are_kept_for_the_agency_retention_period_then_removed(
    settings, issued, procedure, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    name = issued.attachment.file.name
    settings.RESULT_RETENTION_YEARS = 10
    assert services.results_purge(now=timezone.now() + dt.timedelta(days=365 * 9)) == 0
    assert default_storage.exists(name)
    key = procedure.agency.code.upper().replace("-", "_")
    settings.RESULT_RETENTION_YEARS_BY_AGENCY = {key: 30}  # this agency keeps them longer
    assert services.results_purge(now=timezone.now() + dt.timedelta(days=365 * 20)) == 0
    settings.RESULT_RETENTION_YEARS_BY_AGENCY = {}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.results_purge(now=timezone.now() + dt.timedelta(days=365 * 20)) == 1
    issued.refresh_from_db()
    assert issued.file_removed_at is not None and not default_storage.exists(name)
    assert Result.objects.filter(code=issued.code).exists()  # the record stays verifiable


def test_the_store_page_runs_a_constant_number_of_queries(
    citizen_client, citizen, procedure, agency_officer, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
            attachment = AttachmentFactory(dossier=dossier)
            services.store_keep(attachment=attachment, user=citizen)
            services.file_access_record(attachment=attachment, user=agency_officer)

    add(1)
    with django_assert_num_queries(3):  # the session's user, documents with results, accesses with agencies
        citizen_client.get(STORE)
    add(4)
    with django_assert_num_queries(3):
        citizen_client.get(STORE)


def test_a_revoked_result_is_not_offered_in_the_wizard(citizen, issued, agency_officer):
    from dossiers.selectors import store_choices

    assert [d.pk for d in store_choices(citizen)] == [issued.stored.pk]
    services.result_revoke(result=issued, user=agency_officer, reason="Cấp nhầm")
    assert store_choices(citizen) == []


def test_make_demo_certificates_issues_one_per_agency(tmp_path, procedure, settings):
    from django.core.management import CommandError, call_command

    call_command("make_demo_certificates", "--dir", str(tmp_path))
    assert (tmp_path / "ca.pem").exists()
    assert (tmp_path / signing.demo_file_name(procedure.agency.code.upper().replace("-", "_"))).exists()
    settings.RESULT_SIGNING_DEMO_DIR = ""  # production: no demo certificates
    with pytest.raises(CommandError):
        call_command("make_demo_certificates")


def test_a_supplement_can_come_from_the_store(citizen_client, citizen, procedure, django_capture_on_commit_callbacks):
    kept_from = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    id_card = services.store_keep(attachment=AttachmentFactory(dossier=kept_from, name="cccd.pdf"), user=citizen)
    from dossiers.tests.test_wizard import answers_post

    dossier = DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    url = reverse("dossiers:supplement", args=[dossier.code])
    assert "Hoặc chọn từ kho giấy tờ" in citizen_client.get(url).content.decode()
    data = {**answers_post(action="send", token=str(uuid.uuid4())), "store-slot-other": str(id_card.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROGRESS
    assert Attachment.objects.get(dossier=dossier, kind=AttachmentKind.SUPPLEMENT).stored == id_card
