from django.core.management.base import BaseCommand, CommandError

from dossiers.services import drafts_purge, drafts_to_purge


class Command(BaseCommand):
    help = (
        "Delete dossiers that were never sent (drafts) and not touched for DAYS days, with their files. "
        "A sent dossier is never deleted."
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
            return
        count = drafts_purge(older_than_days=older_than)
        self.stdout.write(self.style.SUCCESS(f"Deleted {count} draft(s) older than {older_than} days."))
