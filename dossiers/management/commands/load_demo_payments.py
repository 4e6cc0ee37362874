"""Demo payment accounts for ``make run``: one agency takes fees by VietQR, one through the
gateway simulator; the others use ``PAYMENT_DEFAULT_PROVIDER`` (the simulator in development)."""

from django.core.management.base import BaseCommand

from dossiers.payments.constants import ProviderCode
from dossiers.payments.models import AgencyPaymentAccount
from procedures.models import Agency

DEMO_ACCOUNTS = {
    # Sở Tư pháp Hà Nội: bank transfer (Vietcombank's BIN; a made-up account number).
    "STP-HN": {
        "provider": ProviderCode.VIETQR,
        "bank_bin": "970436",
        "account_number": "0011004455667",
        "account_name": "SO TU PHAP HA NOI",
    },
    "UBND-PHUONG-CAUGIAY": {"provider": ProviderCode.SIMULATOR},
}


class Command(BaseCommand):
    help = "Give the demo agencies their payment providers (only those without an account yet)."

    def handle(self, *args, **options):
        created = 0
        for agency in Agency.objects.filter(code__in=DEMO_ACCOUNTS):
            _account, made = AgencyPaymentAccount.objects.get_or_create(
                agency=agency, defaults=DEMO_ACCOUNTS[agency.code]
            )
            created += made
        self.stdout.write(f"Demo payment accounts: {created} created.")
