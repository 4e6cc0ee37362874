import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from procedures.constants import AgencyLevel, ServiceLevel
from procedures.models import Procedure

from .factories import AgencyFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def inline_management(prefix, total=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def test_admin_add_with_inlines_refreshes_search_columns(admin_client):
    agency, field = AgencyFactory(), FieldFactory()
    data = {
        "code": "1.000777",
        "name": "Đăng ký giám hộ",
        "agency": agency.pk,
        "field": field.pk,
        "service_level": ServiceLevel.PARTIAL_ONLINE,
        "is_published": "on",
        "processing_days": "3",
        "fee_amount": "0",
        **inline_management("documents", 1),
        "documents-0-order": "1",
        "documents-0-name": "Tờ khai đăng ký giám hộ",
        "documents-0-originals": "1",
        "documents-0-copies": "0",
        "documents-0-is_required": "on",
        **inline_management("form_fields"),
    }
    response = admin_client.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    procedure = Procedure.objects.get(code="1.000777")
    assert procedure.search_entry.search_name == "dang ky giam ho"
    assert procedure.documents.count() == 1
    # The documents' names are searched too.
    assert "Đăng ký giám hộ" in admin_client.get("/procedures/", {"q": "to khai giam ho"}).content.decode()
    assert procedure.documents.count() == 1
    html = admin_client.get("/procedures/", {"q": "giam ho"}).content.decode()
    assert "Đăng ký giám hộ" in html


def test_admin_publish_and_unpublish_actions(admin_client, client):
    shown, hidden = ProcedureFactory(name="Thủ tục A"), ProcedureFactory(name="Thủ tục B", unpublished=True)
    url = reverse("admin:procedures_procedure_changelist")
    admin_client.post(url, {"action": "unpublish", "_selected_action": [shown.pk]})
    admin_client.post(url, {"action": "publish", "_selected_action": [hidden.pk]})
    shown.refresh_from_db()
    hidden.refresh_from_db()
    assert not shown.is_published and hidden.is_published


def test_admin_lists_search_without_accents_and_filters(admin_client):
    ProcedureFactory(name="Đăng ký khai tử")
    ProcedureFactory(name="Cấp giấy phép xây dựng")
    url = reverse("admin:procedures_procedure_changelist")
    html = admin_client.get(url, {"q": "khai tu"}).content.decode()
    assert "Đăng ký khai tử" in html and "Cấp giấy phép xây dựng" not in html
    html = admin_client.get(url, {"q": "khai tu", "is_published__exact": "0"}).content.decode()
    assert "Đăng ký khai tử" not in html  # the list filter still applies
    assert admin_client.get(url, {"is_published__exact": "1", "service_level__exact": "full_online"}).status_code == 200
    for name in ("agency", "field"):
        assert admin_client.get(reverse(f"admin:procedures_{name}_changelist"), {"q": "a"}).status_code == 200


def test_agency_rename_in_admin_refreshes_its_procedures(admin_client):
    agency = AgencyFactory(code="SO-X", name="Sở Cũ", level=AgencyLevel.DEPARTMENT)
    procedure = ProcedureFactory(agency=agency)
    data = {"code": "SO-X", "name": "Sở Nông nghiệp", "level": AgencyLevel.DEPARTMENT, "is_active": "on"}
    response = admin_client.post(reverse("admin:procedures_agency_change", args=[agency.pk]), data)
    assert response.status_code == 302
    assert procedure.name in admin_client.get("/procedures/", {"q": "so nong nghiep"}).content.decode()


def test_agency_cannot_become_its_own_ancestor(admin_client):
    parent = AgencyFactory(code="CHA")
    child = AgencyFactory(code="CON", parent=parent)
    from django.core.exceptions import ValidationError

    from procedures import services

    parent.parent = child
    with pytest.raises(ValidationError):
        services.agency_save(agency=parent)


def test_deleting_in_admin_takes_the_procedure_off_the_public_pages(admin_client, django_capture_on_commit_callbacks):
    from django.test import Client

    gone, kept = ProcedureFactory(name="Thủ tục sẽ bị xoá"), ProcedureFactory(name="Thủ tục còn lại")
    visitor = Client()
    assert "Thủ tục sẽ bị xoá" in visitor.get("/procedures/").content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:procedures_procedure_delete", args=[gone.pk]), {"post": "yes"})
    assert response.status_code == 302
    html = visitor.get("/procedures/").content.decode()
    assert "Thủ tục sẽ bị xoá" not in html and "Thủ tục còn lại" in html
    assert visitor.get(f"/procedures/{kept.code}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:procedures_procedure_changelist"),
            {"action": "delete_selected", "_selected_action": [kept.pk], "post": "yes"},
        )
    assert "Thủ tục còn lại" not in visitor.get("/procedures/").content.decode()
