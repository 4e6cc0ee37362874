import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from procedures import services
from procedures.constants import AgencyLevel, ServiceLevel

from .factories import AgencyFactory, FieldFactory, FormFieldFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db
LIST = "/procedures/"


def test_list_shows_published_procedures_by_name_with_count(client):
    ProcedureFactory(name="Đăng ký khai tử")
    ProcedureFactory(name="Cấp bản sao trích lục")
    ProcedureFactory(name="Thủ tục ẩn", unpublished=True)
    response = client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 thủ tục" in html
    assert html.index("Cấp bản sao trích lục") < html.index("Đăng ký khai tử")
    assert "Thủ tục ẩn" not in html


def test_the_list_is_in_vietnamese_dictionary_order_across_pages(client, settings):
    """a ă â b c d đ e …: "Đăng ký" after "Dán…" and before "Đo…" (PostgreSQL's "C" order puts
    every "Đ" after "Z", and the embedded server has no ICU to do better: the stored key does it)."""
    names = [
        "Đo đạc bản đồ",
        "Zô thủ tục",
        "Dán tem",
        "Đăng ký kết hôn",
        "Ấn định thuế",
        "An toàn thực phẩm",
        "Ăn uống",
    ]
    for name in names:
        ProcedureFactory(name=name)
    html = client.get(LIST).content.decode()
    positions = [html.index(name) for name in names]
    expected = [
        "An toàn thực phẩm",
        "Ăn uống",
        "Ấn định thuế",
        "Dán tem",
        "Đăng ký kết hôn",
        "Đo đạc bản đồ",
        "Zô thủ tục",
    ]
    assert [names[i] for i in sorted(range(len(names)), key=positions.__getitem__)] == expected


def test_filters_combine_and_show_counts_per_option(client):
    ministry = AgencyFactory(code="BO", name="Bộ Tư pháp", level=AgencyLevel.MINISTRY)
    department = AgencyFactory(code="SO", name="Sở Tư pháp Hà Nội", parent=ministry)
    other = AgencyFactory(code="KHAC", name="Sở Xây dựng")
    civil = FieldFactory(code="ho-tich", name="Hộ tịch")
    building = FieldFactory(code="xay-dung", name="Xây dựng")
    ProcedureFactory(name="Đăng ký kết hôn", agency=department, field=civil)
    ProcedureFactory(name="Đăng ký khai sinh", agency=department, field=civil, partial=True)
    ProcedureFactory(name="Cấp giấy phép xây dựng", agency=other, field=building)

    # The parent agency includes its sub-agencies; field and level narrow further.
    response = client.get(LIST, {"agency": "BO", "field": "ho-tich", "level": ServiceLevel.PARTIAL_ONLINE})
    html = response.content.decode()
    assert "1 thủ tục" in html and "Đăng ký khai sinh" in html and "Đăng ký kết hôn" not in html
    # Each option counts the results with the other filters kept.
    assert "Hộ tịch (1)" in html and "Xây dựng (0)" in html
    assert "Bộ Tư pháp (1)" in html and "Sở Xây dựng (0)" in html
    assert 'value="BO" selected' in html


def test_filter_options_are_escaped_and_described_like_any_field(client):
    # forms.OptionsSelect writes the options itself: names escaped, the chosen one selected, the
    # error tied to its select as Django's own widget does.
    AgencyFactory(code="LA", name='Sở <b>Lạ</b> & "Mới"')
    html = client.get(LIST, {"agency": "LA", "level": "khong-co"}).content.decode()
    assert '<option value="LA" selected>Sở &lt;b&gt;Lạ&lt;/b&gt; &amp; &quot;Mới&quot; (0)</option>' in html
    assert '<select aria-invalid="true" aria-describedby="id_level_error" id="id_level" name="level">' in html
    assert '<select id="id_agency" name="agency">' in html and "<b>Lạ</b>" not in html


def test_relevance_order_with_keyword(client):
    ProcedureFactory(name="A. Cấp phép khác", description="Liên quan tới đăng ký kết hôn.")
    ProcedureFactory(name="Z. Đăng ký kết hôn")
    html = client.get(LIST, {"q": "dang ky ket hon"}).content.decode()
    assert html.index("Z. Đăng ký kết hôn") < html.index("A. Cấp phép khác")


def test_pagination_keeps_filters_in_links(client):
    field = FieldFactory(code="ho-tich")
    ProcedureFactory.create_batch(23, field=field)
    response = client.get(LIST, {"field": "ho-tich", "page": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "23 thủ tục" in html
    assert "?field=ho-tich&amp;page=1" in html
    assert html.count('class="procedure-card"') == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"agency": "KHONG-CO"}, "Cơ quan này không có trong danh mục"),
        ({"field": "khong-co"}, "Lĩnh vực này không có trong danh mục"),
        ({"level": "level-9"}, "Mức độ dịch vụ không hợp lệ"),
        ({"q": "x" * 500}, "Từ khóa quá dài"),
        ({"page": "abc"}, "Số trang không hợp lệ"),
        ({"page": "999"}, "Không có trang 999"),
        ({"page": "-1"}, "Số trang không hợp lệ"),
        ({"page": "²"}, "Số trang không hợp lệ"),  # a digit to str.isdigit(), not to int()
    ],
)
def test_bad_input_gives_a_normal_page_with_a_message(client, params, message):
    ProcedureFactory.create_batch(3)
    response = client.get(LIST, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "3 thủ tục" in html  # the bad filter is left out, the rest still works


def test_metacharacters_are_searched_safely_and_escaped(client):
    ProcedureFactory(name="Đăng ký khai sinh")
    evil = "<script>alert(1)</script>' OR 1=1; -- % _ \\ & | ! :* ("
    response = client.get(LIST, {"q": evil})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    response = client.get(LIST, {"q": "khai sinh' & | !"})
    assert "Đăng ký khai sinh" in response.content.decode()
    assert client.get(LIST, {"agency": "<b>x</b>"}).status_code == 200


def test_list_and_search_use_a_constant_number_of_queries(client, django_assert_num_queries):
    def counted(params):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, params).status_code == 200
        return len(ctx.captured_queries)

    field = FieldFactory(code="ho-tich")
    ProcedureFactory.create_batch(3, field=field, name="Đăng ký hộ tịch")
    services.search_record(q="dang ky", found=True)  # counted before: every search below is one UPDATE
    few = [counted(p) for p in ({}, {"q": "dang ky"}, {"q": "dang ky", "field": "ho-tich"})]
    ProcedureFactory.create_batch(27, field=field, name="Đăng ký hộ tịch")
    many = [counted(p) for p in ({}, {"q": "dang ky"}, {"q": "dang ky", "field": "ho-tich"})]
    assert few == many
    # agencies, fields, synonyms, the words in the vocabulary, every count (one query), the page's
    # ranked ids and its rows, the search counted for the staff
    assert max(many) <= 8
    # The same address again: the whole page comes from the anonymous page cache; the search is
    # still counted (one UPDATE).
    with django_assert_num_queries(1):
        client.get(LIST, {"q": "dang ky", "field": "ho-tich"})
    # Another address for the same search (parameters in another order): cached counts, and
    # only the page is read (its ranked ids, its rows) and the search counted.
    with django_assert_num_queries(3):
        client.get(LIST, {"field": "ho-tich", "q": "dang ky"})


def test_detail_shows_everything_and_constant_queries(client, django_assert_num_queries):
    procedure = ProcedureFactory(
        name="Đăng ký kết hôn", fee_amount=0, fee_text="Miễn lệ phí", legal_basis="Luật Hộ tịch 2014"
    )
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký kết hôn", is_required=True)
    RequiredDocumentFactory(procedure=procedure, name="Giấy xác nhận tình trạng hôn nhân", is_required=False)
    FormFieldFactory(procedure=procedure, label="Họ tên bên nam")
    with django_assert_num_queries(3):
        response = client.get(procedure.get_absolute_url())
    html = response.content.decode()
    for text in (
        "Đăng ký kết hôn",
        "Thành phần hồ sơ",
        "Tờ khai đăng ký kết hôn",
        "(không bắt buộc)",
        "Miễn lệ phí",
        "Căn cứ pháp lý",
        "Luật Hộ tịch 2014",
        "Họ tên bên nam",
        "Nộp hồ sơ",
        "5 ngày làm việc",
    ):
        assert text in html, text
    assert f'href="/dossiers/new/{procedure.code}/"' in html
    other = ProcedureFactory(documents=20, form_fields=10)
    with django_assert_num_queries(3):
        client.get(other.get_absolute_url())


def test_apply_while_logged_out_leads_to_login_once_the_wizard_exists(client):
    procedure = ProcedureFactory()
    html = client.get(procedure.get_absolute_url()).content.decode()
    assert "Bạn sẽ được yêu cầu đăng nhập trước." in html


@pytest.mark.parametrize("code", ["9.999999", "khong-co", "1.001234<script>"])
def test_unknown_or_unpublished_procedure_is_404_in_portal_layout(client, code):
    ProcedureFactory(code="1.000001", unpublished=True)
    for url in (f"/procedures/{code}/", "/procedures/1.000001/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Không tìm thấy trang" in response.content.decode()
        assert "site-header" in response.content.decode()


def test_template_download_streams_the_file(client):
    document = RequiredDocumentFactory()
    document.template.save("to-khai.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    url = reverse("procedures:template", args=[document.procedure.code, document.pk])
    assert url in client.get(document.procedure.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "_protected_media" not in client.get(document.procedure.get_absolute_url()).content.decode()


def test_template_download_is_404_for_other_or_unpublished_procedures(client):
    document = RequiredDocumentFactory()
    document.template.save("to-khai.pdf", ContentFile(b"%PDF"), save=True)
    other = ProcedureFactory()
    hidden = RequiredDocumentFactory(procedure=ProcedureFactory(unpublished=True))
    hidden.template.save("an.pdf", ContentFile(b"%PDF"), save=True)
    no_file = RequiredDocumentFactory(procedure=document.procedure)
    for code, pk in (
        (other.code, document.pk),
        (hidden.procedure.code, hidden.pk),
        (document.procedure.code, no_file.pk),
        (document.procedure.code, 999999),
    ):
        assert client.get(reverse("procedures:template", args=[code, pk])).status_code == 404


def test_agency_pages_list_the_tree_and_group_by_field(client, django_assert_max_num_queries):
    province = AgencyFactory(code="HN", name="UBND Thành phố Hà Nội", level=AgencyLevel.PROVINCE)
    department = AgencyFactory(code="SGDDT-HN", name="Sở Giáo dục và Đào tạo Hà Nội", parent=province)
    AgencyFactory(code="DONG", name="Cơ quan đã giải thể", is_active=False)
    education = FieldFactory(name="Giáo dục và đào tạo")
    diplomas = FieldFactory(name="Văn bằng, chứng chỉ")
    ProcedureFactory(agency=department, field=education, name="Chuyển trường")
    ProcedureFactory(agency=department, field=diplomas, name="Cấp bản sao văn bằng")
    with django_assert_max_num_queries(3):  # agencies, fields (cached together), counts (cached)
        html = client.get(reverse("procedures:agencies")).content.decode()
    assert "UBND Thành phố Hà Nội" in html and "Sở Giáo dục và Đào tạo Hà Nội" in html
    assert "Cơ quan đã giải thể" not in html
    assert "2 thủ tục" in html
    with django_assert_max_num_queries(3):
        html = client.get(reverse("procedures:agency", args=["SGDDT-HN"])).content.decode()
    assert html.index("Giáo dục và đào tạo") < html.index("Chuyển trường") < html.index("Văn bằng, chứng chỉ")
    assert html.index("Văn bằng, chứng chỉ") < html.index("Cấp bản sao văn bằng")
    assert client.get(reverse("procedures:agency", args=["DONG"])).status_code == 404
    assert client.get("/agencies/KHONG-CO/").status_code == 404


def test_home_page_has_the_procedure_search_box(client):
    html = client.get("/").content.decode()
    assert "Tìm thủ tục hành chính" in html
    assert 'action="/procedures/"' in html and 'name="q"' in html


def test_cached_counts_and_pages_follow_catalogue_changes(client, django_capture_on_commit_callbacks):
    from procedures import services
    from procedures.models import Procedure

    shown = ProcedureFactory(name="Đăng ký khai sinh")
    assert "Đăng ký khai sinh" in client.get(LIST, {"q": "khai sinh"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.procedures_set_published(procedures=Procedure.objects.filter(pk=shown.pk), published=False)
    html = client.get(LIST, {"q": "khai sinh"}).content.decode()
    assert "Đăng ký khai sinh" not in html and "0 thủ tục" in html


def test_detail_reads_its_relations_in_three_queries(django_assert_num_queries):
    """procedures.selectors.procedure_detail: the agency with its parent, the field, the documents
    and the declaration questions in their order, so the page reads nothing more; unpublished or
    unknown codes are not found."""
    from procedures.models import Procedure
    from procedures.selectors import procedure_detail

    ministry = AgencyFactory(code="BTP", name="Bộ Tư pháp", level=AgencyLevel.MINISTRY)
    made = ProcedureFactory(agency=AgencyFactory(code="STP-HN", parent=ministry), fee_amount=50_000)
    RequiredDocumentFactory(procedure=made, order=2, is_required=False, name="Bản sao")
    RequiredDocumentFactory(procedure=made, order=1, name="Tờ khai", template=ContentFile(b"%PDF-1.4", name="mau.pdf"))
    FormFieldFactory(procedure=made, order=1, field_type="choice", choices=["Nam", "Nữ"], is_required=False)
    FormFieldFactory(procedure=made, order=0, help_text="Theo giấy khai sinh")
    hidden = ProcedureFactory(unpublished=True)

    with django_assert_num_queries(3):
        procedure = procedure_detail(code=made.code)
    with django_assert_num_queries(0):
        assert procedure.agency.parent.name == "Bộ Tư pháp" and procedure.field.name == made.field.name
        assert procedure.fee_amount == 50_000
        documents, form_fields = list(procedure.documents.all()), list(procedure.form_fields.all())
        assert [d.name for d in documents] == ["Tờ khai", "Bản sao"]
        assert documents[0].template.name.endswith(".pdf") and not documents[1].template
        assert [f.choices for f in form_fields] == [[], ["Nam", "Nữ"]]
        assert all(child.procedure is procedure for child in (*documents, *form_fields))
    for code in (hidden.code, "9.999999"):
        with pytest.raises(Procedure.DoesNotExist):
            procedure_detail(code=code)
