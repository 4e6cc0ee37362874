"""Handing a private uploaded file to the person a view has just allowed to have it.

Uploaded files never have a public URL. A view checks permission first (for example
``dossiers.selectors.attachments_for_download``) and then returns ``private_file_response``, which
hands the file over in the way ``PRIVATE_FILE_SERVING`` chooses for the deployment:

``"django"`` (default)
    The worker streams the file (``FileResponse``) from any storage. Needs nothing else; the
    worker is busy until nginx has buffered the file.
``"nginx"``
    An empty response with ``X-Accel-Redirect: <PRIVATE_FILE_NGINX_PREFIX><name>``; nginx serves
    the file from its ``internal`` location over MEDIA_ROOT (deploy/nginx/portal.conf), which no
    client can request directly. For files on a disk that nginx can read (one machine, or a
    shared file system).
``"s3"``
    A redirect to a presigned URL of the private object, valid ``AWS_QUERYSTRING_EXPIRE``
    seconds, whose signature also fixes the download name, type and caching. The file goes from
    the object storage to the browser; neither nginx nor a worker carries it.

Every answer is ``private, no-store`` and sandboxed: a file can never run script in our origin.
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

SANDBOX_CSP = "default-src 'none'; sandbox"
NO_STORE = "private, no-store"
MODES = ("django", "nginx", "s3")


def private_file_response(
    fieldfile: FieldFile, *, download_name: str, content_type: str, as_attachment: bool = True
) -> HttpResponse:
    """The response that gives ``fieldfile`` to the requester, who must already be checked.

    ``download_name`` is the name the browser saves (sanitised by the caller); ``content_type``
    is the type the upload check proved, never the stored name's guess. Raises ``Http404`` for an
    empty field or a file missing from the storage (``"django"`` mode; in the other modes nginx
    or the object storage answers 404 itself, without a round trip here).
    """
    if not fieldfile or not fieldfile.name:
        raise Http404
    mode = settings.PRIVATE_FILE_SERVING
    disposition = content_disposition_header(as_attachment, download_name)
    if mode == "django":
        response = _streamed(fieldfile, content_type=content_type, disposition=disposition)
    elif mode == "nginx":
        response = _accel_redirect(fieldfile, content_type=content_type, disposition=disposition)
    elif mode == "s3":
        response = _presigned_redirect(fieldfile, content_type=content_type, disposition=disposition)
    else:
        raise ImproperlyConfigured(f"PRIVATE_FILE_SERVING must be one of {', '.join(MODES)}, not {mode!r}.")
    response["Cache-Control"] = NO_STORE
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _streamed(fieldfile: FieldFile, *, content_type: str, disposition: str) -> FileResponse:
    try:
        handle = fieldfile.storage.open(fieldfile.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


def _accel_redirect(fieldfile: FieldFile, *, content_type: str, disposition: str) -> HttpResponse:
    """nginx copies Content-Type, Content-Disposition and Cache-Control from this response."""
    storage = fieldfile.storage
    if not isinstance(storage, FileSystemStorage):
        raise ImproperlyConfigured(
            "PRIVATE_FILE_SERVING=nginx serves files from MEDIA_ROOT on disk; "
            "with object storage use PRIVATE_FILE_SERVING=s3."
        )
    media_root = Path(settings.MEDIA_ROOT).resolve()
    path = Path(storage.path(fieldfile.name)).resolve()  # storage.path refuses names leaving its folder
    if not path.is_relative_to(media_root):
        raise SuspiciousFileOperation(f"{fieldfile.name!r} is not under MEDIA_ROOT, which nginx serves.")
    relative = path.relative_to(media_root).as_posix()
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Accel-Redirect"] = settings.PRIVATE_FILE_NGINX_PREFIX.rstrip("/") + "/" + quote(relative)
    return response


def _presigned_redirect(fieldfile: FieldFile, *, content_type: str, disposition: str) -> HttpResponseRedirect:
    storage = fieldfile.storage
    if not getattr(storage, "querystring_auth", False) or not hasattr(storage, "bucket"):
        raise ImproperlyConfigured(
            "PRIVATE_FILE_SERVING=s3 needs the S3 storage of django-storages with signed URLs "
            "(set AWS_STORAGE_BUCKET_NAME)."
        )
    url = storage.url(
        fieldfile.name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": NO_STORE,
        },
        expire=settings.AWS_QUERYSTRING_EXPIRE,
    )
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"  # the page's address is no business of the bucket's
    return response
