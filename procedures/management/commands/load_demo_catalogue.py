from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.importing import Importer, read_file
from procedures.models import Procedure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "catalogue.json"


class Command(BaseCommand):
    help = "Load the demo catalogue (agencies, fields, procedures, template PDFs) when the catalogue is empty."

    def handle(self, *args, **options):
        if Procedure.objects.exists():
            self.stdout.write("The catalogue already has procedures; demo catalogue not loaded.")
            return
        report = Importer(base_dir=DEMO_FILE.parent).import_source(read_file(DEMO_FILE))
        self.stdout.write(
            f"Demo catalogue: {report.agencies['created']} agencies, {report.fields['created']} fields, "
            f"{report.created} procedures loaded."
        )
        if report.rejected:
            for where, code, reasons in report.rejected:
                self.stderr.write(f"{where} ({code}): {'; '.join(reasons)}")
            raise CommandError(f"{len(report.rejected)} demo rows rejected.")
