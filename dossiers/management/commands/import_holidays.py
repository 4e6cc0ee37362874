from django.core.management.base import BaseCommand, CommandError

from dossiers.services import holidays_import


class Command(BaseCommand):
    help = (
        "Store Vietnam's public holidays and make-up working days (ngày làm bù) of the given years from the "
        "`holidays` package in the Holiday table that deadlines are counted with. Idempotent: rows entered by "
        "hand in admin are kept, imported rows are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int, metavar="YEAR", help="e.g. 2026 2027")
        parser.add_argument("--dry-run", action="store_true", help="Only say what would change.")

    def handle(self, *args, years, dry_run, **options):
        for year in years:
            if not 1990 <= year <= 2100:
                raise CommandError(f"{year} is not a year this calendar covers (1990–2100).")
            result = holidays_import(year=year, dry_run=dry_run)
            if options["verbosity"] < 1:
                continue
            prefix = "[dry run] " if dry_run else ""
            self.stdout.write(
                f"{prefix}{year}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.removed} removed, {result.kept_manual} entered by hand kept."
            )
