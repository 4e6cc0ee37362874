from django.core.management.base import BaseCommand, CommandError

from dossiers.services import drafts_purge, drafts_to_purge, results_past_retention, results_purge, store_purge


class Command(BaseCommand):
    help = (
        "Delete dossiers that were never sent (drafts) and not touched for DAYS days, with their files. "
        "A sent dossier is never deleted. Also removes from storage the files citizens deleted from their "
        "document store (once no dossier attaches them) and the files of results whose agency's retention "
        "period is over (RESULT_RETENTION_YEARS; the result's record stays verifiable)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS", help="Days without a change.")
        parser.add_argument("--dry-run", action="store_true", help="Only count and list what would be deleted.")

    def handle(self, *args, older_than, dry_run, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if dry_run:
            drafts = drafts_to_purge(older_than_days=older_than).order_by("updated_at")
            for code, updated in drafts.values_list("code", "updated_at")[:50]:
                self.stdout.write(f"  {code}  (last changed {updated:%Y-%m-%d})")
            self.stdout.write(f"[dry run] {drafts.count()} draft(s) would be deleted.")
            self.stdout.write(f"[dry run] {results_past_retention().count()} result file(s) past retention.")
            return
        count = drafts_purge(older_than_days=older_than)
        self.stdout.write(self.style.SUCCESS(f"Deleted {count} draft(s) older than {older_than} days."))
        stored = store_purge()
        self.stdout.write(self.style.SUCCESS(f"Removed {stored} file(s) deleted from document stores."))
        results = results_purge()
        self.stdout.write(self.style.SUCCESS(f"Removed {results} result file(s) past their retention period."))
