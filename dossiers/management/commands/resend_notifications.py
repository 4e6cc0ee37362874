from django.core.management.base import BaseCommand, CommandError

from dossiers.services import notifications_resend, notifications_to_resend


class Command(BaseCommand):
    help = (
        "Send again the emails that failed after every retry, and those stuck as pending (a lost task or a "
        "broker outage). Failed ones are put back to pending first. Safe to repeat: an email is delivered once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stuck-minutes",
            type=int,
            default=15,
            metavar="MINUTES",
            help="A pending email older than this is stuck (default 15).",
        )
        parser.add_argument("--pending-only", action="store_true", help="Leave failed emails alone.")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be sent again.")

    def handle(self, *args, stuck_minutes, pending_only, dry_run, **options):
        if stuck_minutes < 0:
            raise CommandError("--stuck-minutes cannot be negative.")
        if dry_run:
            rows = notifications_to_resend(stuck_minutes=stuck_minutes)
            if pending_only:
                rows = rows.exclude(status="failed")
            for email in rows[:100]:
                self.stdout.write(f"  #{email.pk} [{email.status}] {email.subject} → {', '.join(email.to)}")
            self.stdout.write(f"[dry run] {rows.count()} email(s) would be sent again.")
            return
        ids = notifications_resend(stuck_minutes=stuck_minutes, include_failed=not pending_only)
        self.stdout.write(self.style.SUCCESS(f"Queued {len(ids)} email(s) again."))
