from django.core.management.base import BaseCommand

from accounts.tasks import requeue_pending_emails


class Command(BaseCommand):
    help = "Re-enqueue outbox emails still pending (e.g. after a broker outage). Safe to run from cron."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=300, help="Only rows pending this many seconds.")

    def handle(self, *args, **options):
        count = requeue_pending_emails(older_than_seconds=options["older_than"])
        self.stdout.write(f"Re-enqueued {count} pending email(s).")
