"""Factories for the catalogue, reused by the dossier tests: every ProcedureFactory() is a sane,
published procedure with its own agency and field, and search columns filled in."""

import factory

from procedures import search
from procedures.constants import AgencyLevel, FormFieldType, ServiceLevel
from procedures.models import Agency, Field, FormField, Procedure, RequiredDocument


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"STP-{n:03d}")
    name = factory.Sequence(lambda n: f"Sở Tư pháp tỉnh số {n}")
    level = AgencyLevel.DEPARTMENT
    address = "Số 1 Tràng Thi, Hoàn Kiếm, Hà Nội"
    phone = "024 3825 0000"
    email = factory.Sequence(lambda n: f"sotuphap{n}@example.gov.vn")
    is_active = True


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"linh-vuc-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực số {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A published, fully online procedure. ``documents=N`` / ``form_fields=N`` add N of each."""

    class Meta:
        model = Procedure
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"1.{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục cấp giấy chứng nhận mẫu số {n}")
    agency = factory.SubFactory(AgencyFactory)
    field = factory.SubFactory(FieldFactory)
    service_level = ServiceLevel.FULL_ONLINE
    description = "Thủ tục dùng cho việc thử nghiệm cổng dịch vụ công."
    steps = "1. Nộp hồ sơ trực tuyến.\n2. Cơ quan tiếp nhận và giải quyết.\n3. Nhận kết quả."
    submission_methods = "Trực tuyến trên Cổng Dịch vụ công."
    processing_days = 5
    fee_amount = 0
    legal_basis = "Nghị định số 42/2022/NĐ-CP"
    eligible_applicants = "Công dân Việt Nam"
    result = "Giấy chứng nhận"
    is_published = True

    class Params:
        unpublished = factory.Trait(is_published=False)
        partial = factory.Trait(service_level=ServiceLevel.PARTIAL_ONLINE)

    @factory.post_generation
    def documents(obj, create, extracted, **kwargs):
        if create and extracted:
            for index in range(int(extracted)):
                RequiredDocumentFactory(procedure=obj, order=index + 1)

    @factory.post_generation
    def form_fields(obj, create, extracted, **kwargs):
        if create and extracted:
            for index in range(int(extracted)):
                FormFieldFactory(procedure=obj, order=index + 1)

    @factory.post_generation
    def search_columns(obj, create, extracted, **kwargs):
        if create:
            search.refresh([obj.pk])


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Tờ khai theo mẫu số {n}")
    originals = 1
    copies = 0
    is_required = True
    order = factory.Sequence(lambda n: n)


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    procedure = factory.SubFactory(ProcedureFactory)
    key = factory.Sequence(lambda n: f"truong-{n}")
    label = factory.Sequence(lambda n: f"Thông tin số {n}")
    field_type = FormFieldType.TEXT
    is_required = True
    choices = factory.LazyFunction(list)
    help_text = ""
    order = factory.Sequence(lambda n: n)
