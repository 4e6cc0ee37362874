import sys

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from dossiers.constants import StaffRole
from dossiers.services import membership_grant
from procedures.models import Agency


class Command(BaseCommand):
    help = (
        "Create an agency officer (or give an existing user a role in an agency): the user becomes staff, "
        "joins the role's group and sees that agency's dossiers in admin. "
        f"ROLE is one of: {', '.join(StaffRole.values)}. Running it again changes the role."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The officer's email address (their login).")
        parser.add_argument("agency", help="The agency's code, e.g. SGDDT-HN.")
        parser.add_argument("role", choices=StaffRole.values, help="The officer's role in that agency.")
        parser.add_argument("--name", default="", help="Full name for a new user.")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input (a new user without it gets no usable password: "
            "set one with `manage.py changepassword EMAIL`).",
        )

    def handle(self, *args, email, agency, role, name, password_stdin, **options):
        email = User.objects.normalize_email(email).lower()
        try:
            agency_obj = Agency.objects.get(code=agency)
        except Agency.DoesNotExist:
            raise CommandError(f"No agency with code {agency!r}.") from None
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        if password_stdin and not password:
            raise CommandError("--password-stdin given but no password was read.")
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            created = user is None
            if created:
                user = User.objects.create_user(email, password, full_name=name, is_staff=True)
                if password is None:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
            elif password:
                user.set_password(password)
                user.save(update_fields=["password"])
            # The address is the officer's own, confirmed by the operator: no activation email needed.
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            try:
                membership_grant(user=user, agency=agency_obj, role=role)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.email}: {role} of {agency_obj.code} ({agency_obj.name})."))
        if created and password is None:
            self.stdout.write(f"Set a password with: manage.py changepassword {user.email}")
