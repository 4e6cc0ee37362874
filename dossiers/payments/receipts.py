"""The electronic receipt (biên lai điện tử) of a paid fee, as a PDF with a QR code that opens its
verification page on the portal (receipt number, amount, date, agency: no personal data)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.money import vnd, vnd_in_words
from core.pdf import SANS, document, label_rows, nfc

from ..receipts import qr_png
from .models import Payment


def receipt_rows(payment: Payment) -> list[tuple[str, str]]:
    dossier = payment.dossier
    paid = timezone.localtime(payment.paid_at) if payment.paid_at else None
    return [
        (_("Receipt number"), payment.receipt_number),
        (_("Collecting agency"), dossier.agency.name),
        (_("Payer"), dossier.applicant_name),
        (_("Address"), dossier.applicant_address),
        (_("Paid for"), payment.purpose),
        (_("Dossier code"), dossier.code),
        (_("Amount"), vnd(payment.paid_amount or payment.amount)),
        (_("Amount in words"), vnd_in_words(payment.paid_amount or payment.amount)),
        (_("Paid by"), payment.get_provider_display()),
        (_("Payment reference"), payment.reference),
        (_("Paid at"), date_format(paid, "d/m/Y H:i") if paid else "—"),
    ]


def receipt_pdf(payment: Payment, *, verify_url: str) -> bytes:
    pdf = document(
        title=_("Electronic receipt %(number)s") % {"number": payment.receipt_number},
        creator=_("Public Service Portal"),
        created=payment.paid_at,
    )
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 15, 18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(width * 0.6, 5, nfc(payment.dossier.agency.name.upper()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    pdf.cell(width * 0.6, 5, nfc(_("Public Service Portal")), new_x="LMARGIN", new_y="NEXT")
    qr_size = 34
    pdf.image(qr_png(verify_url), x=pdf.w - pdf.r_margin - qr_size, y=12, w=qr_size, h=qr_size)
    pdf.set_y(52)
    pdf.set_font(SANS, "B", 15)
    pdf.cell(width, 8, nfc(_("ELECTRONIC RECEIPT OF FEES")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    label_rows(pdf, receipt_rows(payment), width=width, label_width=50)
    pdf.ln(4)
    pdf.set_font(SANS, "", 9)
    pdf.multi_cell(
        width,
        5,
        nfc(_("Scan the QR code or open %(url)s to check this receipt on the portal.") % {"url": verify_url}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
