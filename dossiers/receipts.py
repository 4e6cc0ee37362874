"""The receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") as a PDF with a QR code to the lookup.

``core.pdf`` writes the PDF with the portal's fonts (Vietnamese on any machine); segno draws the
QR code.
"""

import io

import segno
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.pdf import SANS, document, label_rows, nfc

from .constants import AttachmentKind
from .eform import display_answers
from .models import Dossier


def qr_png(url: str, *, scale: int = 6) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return buffer


def qr_svg(url: str, *, title: str = "") -> str:
    """Inline SVG for the print-friendly page (no image request, crisp when printed). ``title`` is
    its name for screen readers (default: the address it encodes)."""
    # No width/height but a viewBox: the code scales with its box (CSS) instead of being cut off.
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title=title or url, omitsize=True)


def receipt_rows(dossier: Dossier) -> list[tuple[str, str]]:
    """The facts of the receipt, shared by the HTML page and the PDF."""
    sent = timezone.localtime(dossier.sent_at) if dossier.sent_at else None
    identity_label = _("Tax code") if dossier.is_organisation else _("Citizen ID (CCCD)")
    if dossier.due_date:
        due = date_format(dossier.due_date, "d/m/Y")
    else:
        due = _("Given when the agency receives the dossier")
    rows = [
        (_("Dossier code"), dossier.code),
        (_("Procedure"), f"{dossier.procedure.code} — {dossier.procedure.name}"),
        (_("Receiving agency"), dossier.agency.name),
        (_("Submitted by"), dossier.applicant_name),
        (identity_label, dossier.applicant_id_number),
        (_("Address"), dossier.applicant_address),
        (_("Phone"), dossier.applicant_phone),
        (_("Email"), dossier.applicant_email),
        (_("Sent at"), date_format(sent, "d/m/Y H:i") if sent else "—"),
        (
            _("Processing time"),
            _("%(days)s working days from reception") % {"days": dossier.processing_days or 0},
        ),
        (_("Appointment date for the result"), due),
        (_("Result delivery"), dossier.get_result_delivery_display()),
    ]
    if dossier.result_address and dossier.result_delivery == "post":
        rows.append((_("Postal address for the result"), dossier.result_address))
    return rows


def receipt_documents(dossier: Dossier) -> list[str]:
    return [a.name for a in dossier.attachments.all() if a.kind == AttachmentKind.APPLICANT]


def receipt_pdf(dossier: Dossier, *, lookup_url: str) -> bytes:
    pdf = document(title=_("Dossier receipt %(code)s") % {"code": dossier.code}, creator=_("Public Service Portal"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 15, 18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(width * 0.55, 5, nfc(dossier.agency.name.upper()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    pdf.cell(width * 0.55, 5, nfc(_("Public Service Portal")), new_x="LMARGIN", new_y="NEXT")
    qr_size = 34
    pdf.image(qr_png(lookup_url), x=pdf.w - pdf.r_margin - qr_size, y=12, w=qr_size, h=qr_size)
    pdf.set_y(50)

    pdf.set_font(SANS, "B", 14)
    pdf.multi_cell(width, 7, nfc(_("RECEIPT OF DOSSIER AND APPOINTMENT FOR THE RESULT")), align="C")
    pdf.ln(2)
    pdf.set_font(SANS, "B", 13)
    pdf.cell(
        width, 8, nfc(_("Dossier code: %(code)s") % {"code": dossier.code}), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)

    label_rows(pdf, receipt_rows(dossier), width=width, label_width=55)

    documents = receipt_documents(dossier)
    pdf.ln(2)
    pdf.set_font(SANS, "B", 11)
    pdf.cell(width, 7, nfc(_("Documents submitted")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 10)
    for number, name in enumerate(documents, start=1):
        pdf.multi_cell(width, 6, nfc(f"{number}. {name}"), new_x="LMARGIN", new_y="NEXT")
    if not documents:
        pdf.cell(width, 6, "—", new_x="LMARGIN", new_y="NEXT")

    answers = display_answers(dossier.procedure.form_fields.all(), dossier.form_data)
    if answers:
        pdf.ln(2)
        pdf.set_font(SANS, "B", 11)
        pdf.cell(width, 7, nfc(_("Declaration form")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(SANS, "", 10)
        for label, value in answers:
            pdf.multi_cell(width, 6, nfc(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font(SANS, "", 9)
    pdf.multi_cell(
        width,
        5,
        nfc(
            _("Scan the QR code or open %(url)s to follow the dossier. Keep the dossier code for any enquiry.")
            % {"url": lookup_url}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
