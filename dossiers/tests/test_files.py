"""Upload checks: content sniffing, Pillow's bomb guard, PDFs, names, size limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dossiers.files import FileRejected, check_upload, sanitise_filename, sniff_content_type
from dossiers.tests.factories import jpeg_bytes, pdf_bytes, png_bytes


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("Đơn đề nghị.PDF", "Đơn đề nghị.pdf"),
        ("  .hidden.pdf", "hidden.pdf"),
        ("..", "tep-dinh-kem"),
        ("", "tep-dinh-kem"),
        ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        ("tab\tand\nnewline.png", "tabandnewline.png"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(raw, expected):
    assert sanitise_filename(raw) == expected


def test_vietnamese_names_are_normalised_to_nfc():
    decomposed = "Gia\u0301y khai sinh.pdf"  # "á" as a + combining acute
    assert sanitise_filename(decomposed) == "Giáy khai sinh.pdf"


@pytest.mark.parametrize(
    ("content", "expected"),
    [(pdf_bytes(), "application/pdf"), (png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg"), (b"GIF89a", None)],
)
def test_content_type_comes_from_the_bytes(content, expected):
    assert sniff_content_type(content[:16]) == expected


def test_valid_files_pass_with_hash_and_type():
    import hashlib

    content = pdf_bytes(10_000)
    checked = check_upload(upload("scan.pdf", content))
    assert checked.content_type == "application/pdf"
    assert checked.size == 10_000
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert check_upload(upload("anh.PNG", png_bytes())).name == "anh.png"
    assert check_upload(upload("anh.jpeg", jpeg_bytes())).content_type == "image/jpeg"


def test_a_file_without_extension_gets_the_one_of_its_content():
    assert check_upload(upload("../../etc/passwd", pdf_bytes())).name == "passwd.pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "rỗng"),
        ("anh.pdf", png_bytes(), "nhưng nội dung là tệp PNG"),
        ("trang.pdf", b"<!DOCTYPE html><html><body>hi</body></html>", "trang web (HTML)"),
        ("trang.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "trang web (HTML)"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj\n" + b"0" * 9000, "không đầy đủ"),
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "không phải tệp PDF, JPEG hoặc PNG"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00", "không phải tệp PDF, JPEG hoặc PNG"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "bị hỏng"),
    ],
)
def test_bad_files_are_rejected_with_a_clear_vietnamese_message(name, content, message):
    with pytest.raises(FileRejected) as exc:
        check_upload(upload(name, content))
    assert message in exc.value.message


def test_oversized_file_is_rejected(settings):
    settings.DOSSIER_MAX_FILE_SIZE = 5000
    with pytest.raises(FileRejected) as exc:
        check_upload(upload("big.pdf", pdf_bytes(6000)))
    assert "lớn hơn" in exc.value.message


def test_image_with_too_many_pixels_is_refused_not_just_warned(settings):
    # 3000 x 3000 = 9 MP: under Pillow's own limit, over ours (lowered for the test).
    settings.DOSSIER_MAX_IMAGE_PIXELS = 4_000_000
    buffer = io.BytesIO()
    Image.new("1", (3000, 3000)).save(buffer, format="PNG")
    with pytest.raises(FileRejected) as exc:
        check_upload(upload("bomb.png", buffer.getvalue()))
    assert "quá nhiều điểm ảnh" in exc.value.message


def test_decompression_bomb_warning_is_an_error(settings):
    # Between the limit and twice the limit Pillow only warns: that must be a refusal too.
    settings.DOSSIER_MAX_IMAGE_PIXELS = 1_000_000
    buffer = io.BytesIO()
    Image.new("1", (1200, 1200)).save(buffer, format="PNG")  # 1.44 MP: warning zone
    with pytest.raises(FileRejected):
        check_upload(upload("warn.png", buffer.getvalue()))
