from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.importing import Importer, RowError, read_file


class Command(BaseCommand):
    help = (
        "Create or update procedures from a CSV or JSON file (format: docs/catalogue-import.md). "
        "Upserts by code; a bad row is reported with its line and skipped. Exit status 1 when a row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, change nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        try:
            source = read_file(file)
        except (RowError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        report = Importer(base_dir=file.resolve().parent, dry_run=dry_run).import_source(source)
        prefix = _("[dry run] ") if dry_run else ""
        if source.fields or source.agencies:
            for label, counts in ((_("Fields"), report.fields), (_("Agencies"), report.agencies)):
                self.stdout.write(
                    prefix
                    + _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                    % {"label": label, **counts}
                )
        self.stdout.write(
            prefix
            + _("Procedures: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d rejected.")
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            }
        )
        for where, code, reasons in report.rejected:
            label = f"{where} ({code})" if code else where
            for reason in reasons:
                self.stderr.write(f"{label}: {reason}")
        if report.rejected:
            raise CommandError(
                _("%(n)d row(s) rejected; the other rows were imported.") % {"n": len(report.rejected)}
                if not dry_run
                else _("%(n)d row(s) would be rejected.") % {"n": len(report.rejected)}
            )
