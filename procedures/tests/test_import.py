import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from procedures.importing import PROCEDURE_COLUMNS
from procedures.models import Agency, Field, FormField, Procedure, RequiredDocument

from .factories import AgencyFactory, FieldFactory

pytestmark = pytest.mark.django_db


def row(code="1.000101", **overrides):
    data = {
        "code": code,
        "name": f"Thủ tục nhập thử {code}",
        "agency": "STP-HN",
        "field": "ho-tich",
        "service_level": "full_online",
        "description": "Mô tả\nnhiều dòng",
        "steps": "1. Nộp.\n2. Nhận.",
        "submission_methods": "Trực tuyến",
        "processing_days": "3",
        "fee_amount": "8000",
        "fee_text": "8.000 đồng/bản",
        "legal_basis": "Luật Hộ tịch",
        "eligible_applicants": "Công dân",
        "result": "Trích lục",
        "published": "true",
        "documents": json.dumps([{"name": "Tờ khai", "originals": 1, "copies": 0, "required": True}]),
        "form_fields": json.dumps(
            [{"key": "ho-ten", "label": "Họ tên", "type": "text", "required": True, "choices": [], "help_text": ""}]
        ),
    }
    data.update(overrides)
    return data


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PROCEDURE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_procedures", *map(str, args), stdout=out, stderr=err)
        failed = False
    except CommandError as exc:
        failed = True
        err.write(str(exc))
    return out.getvalue(), err.getvalue(), failed


@pytest.fixture
def refs(db):
    AgencyFactory(code="STP-HN")
    FieldFactory(code="ho-tich")


def test_csv_with_one_bad_row_imports_the_others_and_reports_the_line(tmp_path, refs):
    path = write_csv(
        tmp_path / "tt.csv",
        [row("1.000101"), row("1.000102", processing_days="ba ngày", agency="KHONG-CO"), row("1.000103")],
    )
    out, err, failed = run(path)
    assert failed
    assert "Thủ tục: 2 mới, 0 cập nhật, 0 không đổi, 1 bị từ chối." in out
    # Multi-line cells: the header is line 1, the first record lines 2-4, so the bad one starts on line 5.
    assert "dòng 5 (1.000102)" in err
    assert "processing_days" in err and "agency: không có cơ quan mã “KHONG-CO”" in err
    assert set(Procedure.objects.values_list("code", flat=True)) == {"1.000101", "1.000103"}
    procedure = Procedure.objects.get(code="1.000101")
    assert procedure.documents.get().name == "Tờ khai" and procedure.form_fields.get().key == "ho-ten"
    assert procedure.search_entry.search_name == "thu tuc nhap thu 1 000101"


def test_second_run_changes_nothing_and_updates_are_detected(tmp_path, refs):
    path = write_csv(tmp_path / "tt.csv", [row("1.000101"), row("1.000102")])
    run(path)
    out, _, failed = run(path)
    assert not failed and "0 mới, 0 cập nhật, 2 không đổi, 0 bị từ chối" in out
    write_csv(path, [row("1.000101", name="Tên mới"), row("1.000102")])
    out, _, _ = run(path)
    assert "0 mới, 1 cập nhật, 1 không đổi" in out
    assert Procedure.objects.get(code="1.000101").search_entry.search_name == "ten moi"


def test_a_text_template_becomes_a_text_pdf_and_a_reimport_is_unchanged(tmp_path, refs):
    """The .txt template is rendered to a PDF whose text can be selected and searched (Vietnamese
    letters included, even those the monospaced font lacks); the bytes are the same each time, so
    the second import changes nothing."""
    import pypdf

    (tmp_path / "to-khai.txt").write_text(
        "TỜ KHAI ĐĂNG KÝ\n\nKính gửi: Ủy ban nhân dân ......\nSố điện thoại: ......   Quốc tịch: ......\n",
        encoding="utf-8",
    )
    documents = json.dumps([{"name": "Tờ khai", "template": "to-khai.pdf"}])
    path = write_csv(tmp_path / "tt.csv", [row("1.000101", documents=documents)])
    out, err, failed = run(path)
    assert not failed, err
    document = RequiredDocument.objects.get(procedure__code="1.000101")
    with document.template.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = reader.pages[0].extract_text()
    assert "TỜ KHAI ĐĂNG KÝ" in text and "Kính gửi: Ủy ban nhân dân" in text and "Quốc tịch" in text
    assert reader.metadata.title == "TỜ KHAI ĐĂNG KÝ"
    out, _, _ = run(path)
    assert "0 mới, 0 cập nhật, 1 không đổi" in out


def test_bad_nested_document_leaves_no_half_procedure(tmp_path, refs):
    documents = json.dumps([{"name": "Tờ khai", "originals": 1}, {"name": "x" * 600, "originals": 1}])
    path = write_csv(tmp_path / "tt.csv", [row("1.000101", documents=documents)])
    _out, err, failed = run(path)
    assert failed and "dòng 2 (1.000101): thành phần hồ sơ 2 name" in err
    assert not Procedure.objects.exists() and not RequiredDocument.objects.exists()
    form_fields = json.dumps([{"key": "a", "label": "A", "type": "choice", "choices": []}, {"key": "a", "label": "B"}])
    write_csv(path, [row("1.000101", form_fields=form_fields)])
    _, err, failed = run(path)
    assert "câu hỏi lựa chọn cần có các lựa chọn" in err and "trùng mã" in err
    assert not Procedure.objects.exists() and not FormField.objects.exists()


def test_dry_run_reports_without_writing(tmp_path, refs):
    path = write_csv(tmp_path / "tt.csv", [row("1.000101"), row("bad-code")])
    out, err, failed = run(path, "--dry-run")
    assert failed
    assert "[chạy thử] Thủ tục: 1 mới, 0 cập nhật, 0 không đổi, 1 bị từ chối." in out
    assert "dòng 5 (bad-code)" in err and "1.001234" in err
    assert not Procedure.objects.exists()


def test_json_with_agencies_fields_and_nested_items(tmp_path):
    payload = {
        "agencies": [
            {"code": "SO-CON", "name": "Sở Tư pháp", "level": "department", "parent": "UB-TINH"},
            {"code": "UB-TINH", "name": "UBND tỉnh", "level": "province", "parent": None},
        ],
        "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
        "procedures": [
            {
                **row("1.000201", agency="SO-CON"),
                "documents": [{"name": "Tờ khai", "originals": 1, "copies": 1, "required": False}],
                "form_fields": [{"key": "gioi-tinh", "label": "Giới tính", "type": "choice", "choices": ["Nam", "Nữ"]}],
                "processing_days": 2,
                "published": False,
            },
            "not an object",
        ],
    }
    path = tmp_path / "tt.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    out, err, failed = run(path)
    assert "Cơ quan: 2 mới" in out and "Lĩnh vực: 1 mới" in out
    assert "procedures[2]" in err and failed
    assert Agency.objects.get(code="SO-CON").parent.code == "UB-TINH"
    procedure = Procedure.objects.get(code="1.000201")
    assert not procedure.is_published and procedure.form_fields.get().choices == ["Nam", "Nữ"]
    assert procedure.documents.get().is_required is False


def test_export_round_trip_json_and_csv(tmp_path, demo_catalogue):
    first = tmp_path / "one.json"
    call_command("export_procedures", "-o", str(first), stderr=io.StringIO())
    exported = json.loads(first.read_text(encoding="utf-8"))
    assert len(exported["procedures"]) == Procedure.objects.count() >= 40
    # Same database: nothing to change.
    out, _, failed = run(first)
    assert not failed and f"0 mới, 0 cập nhật, {len(exported['procedures'])} không đổi" in out
    csv_path = tmp_path / "all.csv"
    call_command("export_procedures", "--format", "csv", "-o", str(csv_path), stderr=io.StringIO())
    out, _, failed = run(csv_path)
    assert not failed and "0 mới, 0 cập nhật" in out
    # Into an empty catalogue: the JSON file brings its agencies and fields and exports identically.
    Procedure.objects.all().delete()
    Agency.objects.update(parent=None)
    Agency.objects.all().delete()
    Field.objects.all().delete()
    out, _, failed = run(first)
    assert not failed
    second = tmp_path / "two.json"
    call_command("export_procedures", "-o", str(second), stderr=io.StringIO())
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_missing_file_and_broken_json_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="Không có tệp"):
        call_command("import_procedures", str(tmp_path / "none.csv"))
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON hợp lệ"):
        call_command("import_procedures", str(broken))
    headerless = tmp_path / "x.csv"
    headerless.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Thiếu cột CSV"):
        call_command("import_procedures", str(headerless))
