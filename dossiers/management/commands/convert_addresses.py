"""Convert addresses stored as free text (the old three tiers: ward, district, province) to the
two tiers in force since 1 July 2025, with official codes: profiles, and the applicant and postal
addresses of draft dossiers. A sent dossier is left as it was sent: its address is part of what the
agency received (receipts and result PDFs show it), and a guess of the package's for a divided ward
must not rewrite it afterwards.

A dry run by default: it says what it would change and lists what it cannot read. With --apply it
writes; the text as it was stays in the ``*_legacy`` column. Rows that already have codes are left
alone, so running it again changes nothing. Run it once after deploying the two-tier addresses.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import PROFILE_ADDRESS, StoredAddress, address_convert
from dossiers.constants import DossierStatus
from dossiers.models import Dossier

BATCH = 500
APPLICANT = StoredAddress(text="applicant_address", prefix="applicant", legacy="applicant_address_legacy")
RESULT = StoredAddress(text="result_address", prefix="result", legacy="result_address_legacy")


class Command(BaseCommand):
    help = (
        "Convert free-text addresses (profiles, draft dossiers) to the provinces and communes in force since "
        "1 July 2025. A dry run unless --apply; lists what it cannot convert."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Write the conversions (default: a dry run).")

    def handle(self, *args, apply: bool = False, **options):
        targets = [
            ("user", User.objects.all(), [PROFILE_ADDRESS]),
            ("draft dossier", Dossier.objects.filter(status=DossierStatus.DRAFT), [APPLICANT, RESULT]),
        ]
        failed = 0
        for label, queryset, addresses in targets:
            for where in addresses:
                converted, missed = self.convert(label, queryset, where, apply=apply)
                failed += len(missed)
                verb = "converted" if apply else "would convert"
                self.stdout.write(f"{label} {where.text}: {verb} {converted}, could not convert {len(missed)}.")
                for pk, text in missed:
                    self.stdout.write(f"  {label} #{pk}: {text}")
        if not apply:
            self.stdout.write("Dry run: nothing written. Run with --apply to write.")
        if failed:
            self.stdout.write(f"{failed} addresses not converted: the owners choose them again from the lists.")

    def convert(self, label, queryset, where: StoredAddress, *, apply: bool) -> tuple[int, list[tuple[int, str]]]:
        rows = queryset.exclude(**{where.text: ""}).filter(**{f"{where.prefix}_commune": ""}).order_by("pk")
        converted, missed, batch = 0, [], []
        for obj in rows.only("pk", *where.columns).iterator(chunk_size=BATCH):
            if address_convert(obj, where) is None:
                missed.append((obj.pk, getattr(obj, where.text)))
                continue
            converted += 1
            batch.append(obj)
            if apply and len(batch) >= BATCH:
                self.write(queryset.model, batch, where)
                batch = []
        if apply and batch:
            self.write(queryset.model, batch, where)
        return converted, missed

    @staticmethod
    def write(model, batch, where: StoredAddress) -> None:
        with transaction.atomic():
            model.objects.bulk_update(batch, where.columns)
