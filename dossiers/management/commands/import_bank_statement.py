"""manage.py import_bank_statement FILE: record the VietQR transfers of a bank statement (CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dossiers.payments.constants import StatementMatch
from dossiers.payments.services import STATEMENT_COLUMNS, statement_import


class Command(BaseCommand):
    help = (
        "Import a bank statement (CSV, UTF-8, columns: "
        + ", ".join(STATEMENT_COLUMNS)
        + "). A line whose transfer content holds a payment reference and the exact amount marks the "
        "payment paid; less, more or no match is listed for staff (admin → bank statement lines). "
        "Lines already imported (same transaction_id) are skipped, so a file can be imported twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the statement as CSV")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            report = statement_import(handle, source_file=path.name)
        for error in report.errors:
            self.stderr.write(error)
        for match, label in StatementMatch.choices:
            self.stdout.write(f"{label}: {report.counts[match]}")
        self.stdout.write(f"Already imported, skipped: {report.skipped}")
        if report.errors and not any(report.counts.values()):
            raise CommandError("Nothing imported.")
