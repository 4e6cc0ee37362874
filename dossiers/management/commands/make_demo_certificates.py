from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import signing
from dossiers.results import key_name
from procedures.models import Agency


class Command(BaseCommand):
    help = (
        "Development only (`make run`): create a demo certificate authority and a signing certificate for "
        "every agency in RESULT_SIGNING_DEMO_DIR, so results are signed out of the box. Existing ones are kept. "
        "Import ca.pem into a PDF reader's trusted certificates to see the signatures as valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Folder of the demo CA (default: RESULT_SIGNING_DEMO_DIR).")

    def handle(self, *args, dir=None, **options):
        directory = dir or settings.RESULT_SIGNING_DEMO_DIR
        if not directory:
            raise CommandError("RESULT_SIGNING_DEMO_DIR is not set: demo certificates are for development only.")
        signing.demo_authority(directory)
        made = 0
        for agency in Agency.objects.order_by("code").only("code", "name"):
            path = Path(directory) / signing.demo_file_name(key_name(agency.code))
            if not path.exists():
                signing.demo_certificate(
                    directory, key_name=key_name(agency.code), common_name=agency.name, organisation=agency.name
                )
                made += 1
        ca = Path(directory) / signing.DEMO_CA_CERT
        self.stdout.write(f"Demo signing: {made} new agency certificate(s); trust {ca} in a PDF reader to check them.")
