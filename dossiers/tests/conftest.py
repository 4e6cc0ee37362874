import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import PASSWORD, UserFactory
from dossiers.constants import AttachmentKind, WizardStep
from dossiers.tests.factories import VALID_ANSWERS, AttachmentFactory, DossierFactory, pdf_bytes, procedure_with_form


@pytest.fixture
def citizen(db):
    return UserFactory(full_name="Nguyễn Thị Hoa", citizen_id="001190012345", address="12 Lý Thái Tổ, Hà Nội")


@pytest.fixture
def stranger(db):
    return UserFactory(full_name="Người Lạ")


@pytest.fixture
def citizen_client(client, citizen):
    client.login(email=citizen.email, password=PASSWORD)
    return client


@pytest.fixture
def procedure(db):
    return procedure_with_form()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def complete_draft(owner, procedure, **kwargs):
    """A draft with every step done: ready for the review page."""
    dossier = DossierFactory(
        owner=owner,
        procedure=procedure,
        form_data=dict(VALID_ANSWERS),
        steps_done=[WizardStep.APPLICANT, WizardStep.FORM, WizardStep.ATTACHMENTS],
        **kwargs,
    )
    for document in procedure.documents.filter(is_required=True):
        AttachmentFactory(dossier=dossier, document=document, kind=AttachmentKind.APPLICANT)
    return dossier


@pytest.fixture
def ready_draft(citizen, procedure):
    return complete_draft(citizen, procedure)


@pytest.fixture
def pdf_upload():
    return lambda name="don-de-nghi.pdf", size=4096: upload(name, pdf_bytes(size), "application/pdf")


@pytest.fixture
def frozen_now(monkeypatch):
    """Call with an aware or naive (Vietnam time) datetime: ``timezone.now()`` returns it from then on."""
    import datetime as dt

    from django.utils import timezone

    def freeze(moment: dt.datetime) -> dt.datetime:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


@pytest.fixture
def agency_officer(procedure):
    """A leader (every action) of the procedure's agency."""
    from dossiers.tests.factories import officer

    return officer(procedure.agency, "leader", full_name="Lê Văn Cán")
