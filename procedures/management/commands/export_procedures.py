from pathlib import Path

from django.core.management.base import BaseCommand

from procedures.importing import export_csv, export_json


class Command(BaseCommand):
    help = "Write the catalogue in the format import_procedures reads (JSON includes agencies and fields)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=["json", "csv"], default=None, help="Default: from -o's suffix, else json."
        )
        parser.add_argument("-o", "--output", type=Path, help="File to write (default: standard output).")

    def handle(self, *args, format: str | None, output: Path | None, **options):
        chosen = format or ("csv" if output and output.suffix.lower() == ".csv" else "json")
        text = export_csv() if chosen == "csv" else export_json()
        if output:
            output.write_text(text, encoding="utf-8", newline="")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
