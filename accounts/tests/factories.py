import datetime

import factory
from allauth.account.models import EmailAddress

from accounts.constants import AccountType, Gender
from accounts.models import User

PASSWORD = "Mat-khau-an-toan-2026"


class UserFactory(factory.django.DjangoModelFactory):
    """An activated personal account with password ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"cong.dan{n}@example.vn")
    account_type = AccountType.PERSONAL
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn An {chr(65 + n % 26)}")
    date_of_birth = datetime.date(1990, 5, 17)
    gender = Gender.MALE
    citizen_id = factory.Sequence(lambda n: f"0012{n:08d}")
    phone = "0912345678"
    address = "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội"
    address_province = "01"
    address_commune = "00070"
    address_street = "Số 1 Tràng Tiền"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=True if extracted is None else extracted
            )

    class Params:
        organisation = factory.Trait(
            account_type=AccountType.ORGANISATION,
            full_name="",
            date_of_birth=None,
            gender="",
            citizen_id="",
            organisation_name=factory.Sequence(lambda n: f"Công ty TNHH Ánh Dương {n}"),
            tax_code=factory.Sequence(lambda n: f"01{n:08d}"),
            legal_representative="Trần Thị Bình",
        )
        staff = factory.Trait(is_staff=True)
