from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procedures.services import search_stats_purge


class Command(BaseCommand):
    help = (
        "Delete the counted search queries (searches without results, results nobody opened) that nobody "
        "has searched for DAYS days (default: SEARCH_STATS_KEEP_DAYS). Beat runs it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, metavar="DAYS", help="Days since the last search.")

    def handle(self, *args, older_than, **options):
        days = older_than if older_than is not None else settings.SEARCH_STATS_KEEP_DAYS
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        deleted = search_stats_purge(older_than_days=days)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} counted quer(y/ies) not searched for {days} days."))
