"""Checking uploaded files before they become attachments.

A file is recognised by its content (magic bytes), never by its name or the browser's content type;
images go through Pillow with its decompression-bomb guard turned into a hard error at a lower
pixel limit; PDFs must start with a PDF header, end with ``%%EOF`` and not be a web page. Every
read is a bounded chunk: a file is never held whole in memory (uploads arrive as temporary files
through ``LimitedUploadHandler``, which also stops writing a file past the per-file limit).
"""

import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ALLOWED_EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
CANONICAL_EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
# What the browser's file picker is told to offer, and what static/js/dossiers.js pre-checks.
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

HEAD_BYTES = 2048
TAIL_BYTES = 4096
CHUNK = 64 * 1024
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")
FALLBACK_NAME = "tep-dinh-kem"
MAX_NAME_LENGTH = 100


class FileRejected(Exception):
    """A file that cannot be attached; ``message`` names the file and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CheckedFile:
    """An upload that passed every check, with what we learnt about it."""

    upload: UploadedFile
    name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def sanitise_filename(raw: str) -> str:
    """A file name safe to show and to put in a Content-Disposition header.

    Keeps the last path component only (``../../etc/passwd`` → ``passwd``), drops control and
    bidi-override characters, replaces characters Windows forbids, trims leading dots (no hidden
    files, no ``..``) and keeps the name under ``MAX_NAME_LENGTH`` characters with its extension.
    """
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.lower()[:10]
    stem = stem.strip(" .") or FALLBACK_NAME
    limit = MAX_NAME_LENGTH - (len(ext) + 1 if ext else 0)
    stem = stem[:limit].rstrip(" .") or FALLBACK_NAME
    return f"{stem}.{ext}" if ext else stem


def sniff_content_type(head: bytes) -> str | None:
    """The type the first bytes prove, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in HTML_MARKERS)


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    return upload.read(HEAD_BYTES)


def _check_pdf(upload: UploadedFile, head: bytes, name: str) -> None:
    if _looks_like_html(head):
        raise FileRejected(_("The file “%(name)s” contains a web page (HTML), not a PDF document.") % {"name": name})
    upload.seek(max(0, upload.size - TAIL_BYTES))
    tail = upload.read(TAIL_BYTES)
    if b"%%EOF" not in tail:
        raise FileRejected(
            _("The PDF file “%(name)s” is incomplete or damaged. Save or scan it again and upload the new file.")
            % {"name": name}
        )


def _check_image(upload: UploadedFile, content_type: str, name: str) -> None:
    """Open and verify with Pillow; more pixels than DOSSIER_MAX_IMAGE_PIXELS is an error, not a warning."""
    limit = settings.DOSSIER_MAX_IMAGE_PIXELS
    # Pillow warns above MAX_IMAGE_PIXELS and raises only above twice that; we lower the limit
    # (process-wide, which also protects every other use of Pillow) and turn the warning into an error.
    Image.MAX_IMAGE_PIXELS = limit
    too_big = FileRejected(
        _("The image “%(name)s” has too many pixels. Reduce it below %(mp)s megapixels and upload it again.")
        % {"name": name, "mp": limit // 1_000_000}
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[TYPE_NAMES[content_type]]) as image:
                width, height = image.size
                if width * height > limit:
                    raise too_big
                image.verify()
    except FileRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except Exception:
        raise FileRejected(
            _("The image “%(name)s” is damaged and cannot be opened. Take the photo or scan again.") % {"name": name}
        ) from None


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Every check for one uploaded file; raises ``FileRejected`` with a message for the slot."""
    original = (upload.name or "")[:255]
    name = sanitise_filename(original)
    max_size = settings.DOSSIER_MAX_FILE_SIZE
    if getattr(upload, "oversize", False) or upload.size > max_size:
        raise FileRejected(
            _(
                "The file “%(name)s” is larger than %(max)s. "
                "Reduce it (for example scan in black and white) and try again."
            )
            % {"name": name, "max": filesizeformat(max_size)}
        )
    if not upload.size:
        raise FileRejected(_("The file “%(name)s” is empty (0 bytes). Choose the right file.") % {"name": name})
    head = _read_head(upload)
    content_type = sniff_content_type(head)
    if content_type is None:
        if _looks_like_html(head):
            raise FileRejected(
                _("The file “%(name)s” is a web page (HTML), not a PDF, JPEG or PNG file.") % {"name": name}
            )
        raise FileRejected(
            _("The file “%(name)s” is not a PDF, JPEG or PNG file. Only these formats are accepted.") % {"name": name}
        )
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix:
        name = f"{name}{CANONICAL_EXTENSION[content_type]}"
    elif suffix not in ALLOWED_EXTENSIONS[content_type]:
        raise FileRejected(
            _(
                "The file “%(name)s” is named %(suffix)s but contains a %(type)s file. "
                "Save it in the format its name says, or rename it to %(right)s."
            )
            % {
                "name": name,
                "suffix": suffix,
                "type": TYPE_NAMES[content_type],
                "right": CANONICAL_EXTENSION[content_type],
            }
        )
    if content_type == PDF:
        _check_pdf(upload, head, name)
    else:
        _check_image(upload, content_type, name)
    return CheckedFile(
        upload=upload,
        name=name,
        original_name=original,
        content_type=content_type,
        size=upload.size,
        sha256=sha256_of(upload),
    )


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams every uploaded file to a temporary file, and stops writing one past the size limit.

    Django sends files under 2.5 MB to memory and has no per-file limit; on the dossier upload
    views this handler replaces both: memory stays flat whatever the size, and a 2 GB file costs
    10 MB of temporary disk, after which it is marked ``oversize`` for the form to report.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversize = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.DOSSIER_MAX_FILE_SIZE:
            self.oversize = True
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None and self.oversize:
            uploaded.oversize = True
            uploaded.size = self.received
        return uploaded
