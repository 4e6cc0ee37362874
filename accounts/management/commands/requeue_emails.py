import datetime
import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail
from accounts.tasks import send_outgoing_email

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send again the outbox emails stuck as pending (a lost task or a broker outage) and those that failed "
        "after every retry (put back to pending first). Safe to repeat, from cron or beside Celery beat: "
        "delivery locks each row and skips it once sent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stuck-minutes",
            type=int,
            default=5,
            metavar="MINUTES",
            help="A pending email older than this is stuck (default 5; 0: every pending email).",
        )
        parser.add_argument("--pending-only", action="store_true", help="Leave failed emails alone.")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be sent again.")

    def handle(self, *args, stuck_minutes, pending_only, dry_run, **options):
        if stuck_minutes < 0:
            raise CommandError("--stuck-minutes cannot be negative.")
        cutoff = timezone.now() - datetime.timedelta(minutes=stuck_minutes)
        stuck = Q(status=EmailStatus.PENDING, created_at__lte=cutoff)
        rows = OutgoingEmail.objects.filter(stuck if pending_only else stuck | Q(status=EmailStatus.FAILED))
        rows = rows.order_by("pk")
        if dry_run:
            for email in rows[:100]:
                self.stdout.write(f"  #{email.pk} [{email.status}] {email.subject} → {', '.join(email.to)}")
            self.stdout.write(f"[dry run] {rows.count()} email(s) would be sent again.")
            return
        with transaction.atomic():
            ids = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True))
            OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.FAILED).update(status=EmailStatus.PENDING)
        # Committed: a worker finds the rows pending.
        for pk in ids:
            try:
                send_outgoing_email.delay(pk)
            except Exception:  # broker down: the rows stay pending for beat's sweeper or the next run
                logger.warning("Could not enqueue outgoing email %s", pk, exc_info=True)
        self.stdout.write(self.style.SUCCESS(f"Queued {len(ids)} email(s) again."))
