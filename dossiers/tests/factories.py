"""Factories for dossier tests, with a trait per status.

The ``Dossier…`` procedure factories are the catalogue's factories (procedures/tests/factories.py)
dressed as an education department's diploma-copy procedure, which the dossier tests read.
"""

import datetime
import io

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from dossiers.constants import CODE_ALPHABET, AttachmentKind, DossierStatus, WizardStep
from dossiers.models import Attachment, Dossier, History, Rating
from procedures.constants import FormFieldType
from procedures.models import Procedure
from procedures.tests.factories import (
    AgencyFactory,
    FieldFactory,
    FormFieldFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
)


def pdf_bytes(size: int = 2048) -> bytes:
    """A file that passes the PDF checks (header, %%EOF), padded to ``size`` bytes."""
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    padding = max(0, size - len(head) - len(tail))
    return head + b"%" + b"0" * max(0, padding - 1) + tail


def real_pdf_bytes(text: str = "Bản sao văn bằng tốt nghiệp") -> bytes:
    """A real one-page PDF (fpdf2), which pyHanko can sign; ``pdf_bytes`` only passes the upload checks."""
    from core.pdf import SANS, document

    pdf = document(title=text, created=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.add_page()
    pdf.set_font(SANS, "", 14)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def png_bytes(width: int = 20, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 20, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


class DossierProcedureFactory(ProcedureFactory):
    """The catalogue's procedure factory, as an education department's diploma-copy procedure."""

    name = factory.Sequence(lambda n: f"Cấp bản sao văn bằng tốt nghiệp trung học phổ thông {n}")
    agency = factory.SubFactory(
        AgencyFactory,
        code=factory.Sequence(lambda n: f"SGDDT-{n}"),
        name=factory.Sequence(lambda n: f"Sở Giáo dục và Đào tạo số {n}"),
    )
    field = factory.SubFactory(
        FieldFactory, code=factory.Sequence(lambda n: f"van-bang-{n}"), name="Văn bằng, chứng chỉ"
    )


class DossierRequiredDocumentFactory(RequiredDocumentFactory):
    procedure = factory.SubFactory(DossierProcedureFactory)
    name = factory.Sequence(lambda n: f"Đơn đề nghị cấp bản sao {n}")


class DossierFormFieldFactory(FormFieldFactory):
    procedure = factory.SubFactory(DossierProcedureFactory)
    key = factory.Sequence(lambda n: f"cau-hoi-{n}")
    label = factory.Sequence(lambda n: f"Câu hỏi {n}")


def procedure_with_form(**kwargs) -> Procedure:
    """A procedure with two required documents, one optional, and a declaration form of each type."""
    procedure = DossierProcedureFactory(**kwargs)
    DossierRequiredDocumentFactory(procedure=procedure, name="Đơn đề nghị cấp bản sao văn bằng")
    DossierRequiredDocumentFactory(procedure=procedure, name="Căn cước công dân (bản chụp)")
    DossierRequiredDocumentFactory(procedure=procedure, name="Giấy tờ khác", is_required=False)
    fields = [
        ("truong", "Tên trường đã tốt nghiệp", FormFieldType.TEXT, True, []),
        ("nam-tot-nghiep", "Năm tốt nghiệp", FormFieldType.NUMBER, True, []),
        ("ngay-cap", "Ngày cấp bằng", FormFieldType.DATE, False, []),
        ("xep-loai", "Xếp loại", FormFieldType.CHOICE, True, ["Giỏi", "Khá", "Trung bình"]),
        ("ban-goc-mat", "Bản gốc đã bị mất?", FormFieldType.YES_NO, True, []),
        ("ly-do", "Lý do đề nghị", FormFieldType.LONG_TEXT, False, []),
        ("email-lien-he", "Email liên hệ", FormFieldType.EMAIL, False, []),
        ("dien-thoai", "Điện thoại liên hệ", FormFieldType.PHONE, False, []),
    ]
    for order, (key, label, kind, required, choices) in enumerate(fields):
        DossierFormFieldFactory(
            procedure=procedure,
            key=key,
            label=label,
            field_type=kind,
            is_required=required,
            choices=choices,
            order=order,
        )
    return procedure


VALID_ANSWERS = {"truong": "THPT Chu Văn An", "nam-tot-nghiep": "2008", "xep-loai": "Khá", "ban-goc-mat": True}


class DossierFactory(factory.django.DjangoModelFactory):
    """A draft with step 1 done; traits move it along the lifecycle (with its history rows)."""

    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    procedure = factory.SubFactory(DossierProcedureFactory)
    agency = factory.LazyAttribute(lambda o: o.procedure.agency)
    code = factory.Sequence(lambda n: f"TEST-261120-{n:06d}")
    applicant_name = factory.LazyAttribute(lambda o: o.owner.display_name)
    applicant_id_number = factory.LazyAttribute(lambda o: o.owner.identity_number or "001290000001")
    applicant_type = factory.LazyAttribute(lambda o: o.owner.account_type)
    applicant_phone = "0912345678"
    applicant_email = factory.LazyAttribute(lambda o: o.owner.email)
    applicant_address = "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội"
    applicant_province = "01"
    applicant_commune = "00070"
    applicant_street = "Số 1 Tràng Tiền"
    steps_done = factory.LazyFunction(lambda: [WizardStep.APPLICANT.value])
    status = DossierStatus.DRAFT

    class Params:
        sent = factory.Trait(
            status=DossierStatus.SENT,
            sent_at=factory.LazyFunction(timezone.now),
            processing_days=factory.LazyAttribute(lambda o: o.procedure.processing_days),
            steps_done=factory.LazyFunction(lambda: ["applicant", "form", "attachments"]),
        )
        received = factory.Trait(
            sent=True,
            status=DossierStatus.RECEIVED,
            received_at=factory.LazyFunction(timezone.now),
            due_date=factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7)),
        )
        in_progress = factory.Trait(received=True, status=DossierStatus.IN_PROGRESS)
        supplement_requested = factory.Trait(
            in_progress=True,
            status=DossierStatus.SUPPLEMENT_REQUESTED,
            supplement_request="Đề nghị bổ sung bản chụp rõ nét căn cước công dân.",
            supplement_requested_at=factory.LazyFunction(timezone.now),
            supplement_due=factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10)),
        )
        finished = factory.Trait(
            in_progress=True, status=DossierStatus.FINISHED, finished_at=factory.LazyFunction(timezone.now)
        )
        rejected = factory.Trait(in_progress=True, status=DossierStatus.REJECTED)
        refused = factory.Trait(sent=True, status=DossierStatus.REFUSED)
        withdrawn = factory.Trait(sent=True, status=DossierStatus.WITHDRAWN)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        """The history rows the agency's transitions (issue 5) would have written to reach the status."""
        if not create or obj.status == DossierStatus.DRAFT:
            return
        path = {
            DossierStatus.SENT: [DossierStatus.SENT],
            DossierStatus.WITHDRAWN: [DossierStatus.SENT, DossierStatus.WITHDRAWN],
            DossierStatus.REFUSED: [DossierStatus.SENT, DossierStatus.REFUSED],
            DossierStatus.RECEIVED: [DossierStatus.SENT, DossierStatus.RECEIVED],
            DossierStatus.IN_PROGRESS: [DossierStatus.SENT, DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS],
        }
        path[DossierStatus.SUPPLEMENT_REQUESTED] = [
            *path[DossierStatus.IN_PROGRESS],
            DossierStatus.SUPPLEMENT_REQUESTED,
        ]
        path[DossierStatus.FINISHED] = [*path[DossierStatus.IN_PROGRESS], DossierStatus.FINISHED]
        path[DossierStatus.REJECTED] = [*path[DossierStatus.IN_PROGRESS], DossierStatus.REJECTED]
        previous = DossierStatus.DRAFT
        for status in path[obj.status]:
            note = obj.supplement_request if status == DossierStatus.SUPPLEMENT_REQUESTED else ""
            History.objects.create(
                dossier=obj,
                actor=obj.owner if status in (DossierStatus.SENT, DossierStatus.WITHDRAWN) else None,
                action=status,
                from_status=previous,
                to_status=status,
                note=note,
                internal_note="Ghi chú nội bộ" if status == DossierStatus.RECEIVED else "",
            )
            previous = status


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    dossier = factory.SubFactory(DossierFactory)
    document = None
    kind = AttachmentKind.APPLICANT
    file = factory.LazyAttribute(lambda o: ContentFile(pdf_bytes(o.size), name="scan.pdf"))
    original_name = "scan.pdf"
    name = "scan.pdf"
    size = 2048
    content_type = "application/pdf"
    sha256 = "0" * 64
    uploaded_by = factory.LazyAttribute(lambda o: o.dossier.owner)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    dossier = factory.SubFactory(DossierFactory, finished=True)
    score = 5


def officer(agency, role: str = "leader", **user_fields):
    """A staff user who works for ``agency`` with ``role`` (through the real service: groups included)."""
    from dossiers.services import membership_grant

    user = UserFactory(staff=True, **user_fields)
    membership_grant(user=user, agency=agency, role=role)
    return user


class PaymentFactory(factory.django.DjangoModelFactory):
    """A fee request of a sent dossier (issue 21); ``paid=True`` gives it a receipt."""

    class Meta:
        model = "dossiers.Payment"

    dossier = factory.SubFactory(DossierFactory, sent=True)
    # DVC + 10 characters of the code alphabet, as services.new_reference() draws them.
    reference = factory.Sequence(lambda n: "DVC" + "".join(CODE_ALPHABET[(n // 31**i) % 31] for i in range(10)))
    purpose = "Lệ phí cấp bản sao văn bằng"
    amount = 150000
    procedure_amount = 150000
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    pay_first = True
    provider = "simulator"

    class Params:
        paid = factory.Trait(
            status="paid",
            paid_amount=150000,
            paid_at=factory.LazyFunction(timezone.now),
            receipt_number=factory.Sequence(lambda n: f"BL-2026-{n:08d}"),
        )
