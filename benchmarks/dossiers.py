"""Benchmark: send 200 dossiers with three 2 MB attachments each, through the views, on PostgreSQL.

    make bench-dossiers            # or: .venv/bin/python -m benchmarks.dossiers [--dossiers 200]

Each dossier goes through the real wizard: step 1 (creates the draft), the declaration form, one
upload request with three 2 MB PDFs (one per required document) and the send request with the
confirmation code. The upload bodies are streamed to the views from a file on disk, the way a
WSGI server hands them over, so the measured memory is the server's, not the test client's.

Prints p50/p95/max of the send request (and of the upload request for context), the process's
peak RSS at checkpoints (it must stay flat while 1.2 GB of files go through), and the
tracemalloc peak of one upload request with 2 MB and with 9 MB files (flat as files grow).

Uses its own database (BENCH_DATABASE_URL, default portal_bench_dos, dropped and recreated), a
temporary MEDIA_ROOT and a file cache under a temporary directory (no Redis); Celery runs eagerly
and emails go to memory (test settings).
"""

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from benchmarks.common import ensure_database

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_dos")
MEDIA = tempfile.mkdtemp(prefix="bench-dossiers-media-")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ["MEDIA_ROOT"] = MEDIA
os.environ.pop("REDIS_URL", None)
VAR = tempfile.mkdtemp(prefix="bench-dossiers-var-")
BODIES = tempfile.mkdtemp(prefix="bench-dossiers-bodies-")
os.environ["PORTAL_VAR_DIR"] = VAR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("CAPTCHA_TEST_MODE", "1")  # it posts "PASSED"; the test settings leave the mode off
os.environ["CONN_MAX_AGE"] = "600"

MB = 1024 * 1024
BOUNDARY = "----bench-dossiers-boundary-7f3a9c"


def pdf_of(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def write_multipart(path: Path, fields: dict[str, str], files: list[tuple[str, str, int]]) -> int:
    """A multipart body on disk: (field name, file name, size) per file, random PDF content."""
    with path.open("wb") as out:
        for name, value in fields.items():
            out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for field, filename, size in files:
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n".encode()
            )
            out.write(pdf_of(size))
            out.write(b"\r\n")
        out.write(f"--{BOUNDARY}--\r\n".encode())
    return path.stat().st_size


def post_streamed(client, url: str, body: Path):
    """POST a multipart body from disk through the full Django stack (middleware, views)."""
    with body.open("rb") as stream:
        return client.request(
            REQUEST_METHOD="POST",
            PATH_INFO=url,
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(body.stat().st_size),
            **{"wsgi.input": stream},
        )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--file-size-mb", type=float, default=2.0)
    args = parser.parse_args()

    ensure_database(BENCH_DB, recreate=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # locmem email, as in the test suite
    call_command("migrate", verbosity=0)

    from accounts.tests.factories import PASSWORD, UserFactory
    from dossiers.constants import DossierStatus
    from dossiers.models import Attachment, Dossier
    from dossiers.tests.factories import procedure_with_form

    procedure = procedure_with_form(code="1.999001", processing_days=5)
    citizen = UserFactory(email="bench@example.vn", full_name="Nguyễn Văn Đo", citizen_id="001090000001")
    client = Client()
    assert client.login(email=citizen.email, password=PASSWORD)
    required = [*procedure.documents.filter(is_required=True), procedure.documents.filter(is_required=False)[0]]
    file_size = int(args.file_size_mb * MB)
    work = Path(BODIES)
    upload_body = work / "upload.bin"
    upload_bytes = write_multipart(
        upload_body,
        {"action": "next"},
        [(f"slot-{d.pk}", f"giay-to-{i}.pdf", file_size) for i, d in enumerate(required[:3], start=1)],
    )

    applicant = {
        "applicant_name": "Nguyễn Văn Đo",
        "applicant_id_number": "001090000001",
        "applicant_date_of_birth": "01/02/1990",
        "applicant_gender": "male",
        "applicant_phone": "0912345678",
        "applicant_email": "bench@example.vn",
        "applicant_province": "01",  # Thành phố Hà Nội
        "applicant_commune": "00070",  # Phường Hoàn Kiếm
        "applicant_street": "1 Tràng Tiền",
        "result_delivery": "counter",
        "action": "next",
    }
    answers = {
        "q_truong": "THPT Chu Văn An",
        "q_nam-tot-nghiep": "2008",
        "q_xep-loai": "Khá",
        "q_ban-goc-mat": "no",
        "action": "next",
    }

    def one_dossier(timed: bool = True) -> tuple[float, float]:
        response = client.post(reverse("dossiers:new", args=[procedure.code]), applicant)
        assert response.status_code == 302, response.status_code
        code = response["Location"].split("/")[2]
        response = client.post(reverse("dossiers:step", args=[code, "form"]), answers)
        assert response.status_code == 302
        t0 = time.perf_counter()
        response = post_streamed(client, reverse("dossiers:step", args=[code, "attachments"]), upload_body)
        upload_ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 302, response.content[:2000]
        data = {
            "action": "send",
            "declaration": "on",
            "token": str(uuid.uuid4()),
            "captcha_0": "bench",
            "captcha_1": "PASSED",
        }
        url = reverse("dossiers:step", args=[code, "review"])
        if tracemalloc.is_tracing():
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        response = client.post(url, data)
        send_ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 302 and response["Location"].endswith("/sent/"), response.status_code
        return send_ms, upload_ms

    send_times, upload_times, checkpoints = [], [], [(0, rss_mb())]
    started = time.perf_counter()
    for number in range(1, args.dossiers + 1):
        send_ms, upload_ms = one_dossier()
        send_times.append(send_ms)
        upload_times.append(upload_ms)
        if number in (1, 50, 100, 150, 200) or number == args.dossiers:
            checkpoints.append((number, rss_mb()))
    elapsed = time.perf_counter() - started

    # Python allocations of one send request (tracemalloc slows Python down: measured apart).
    tracemalloc.start()
    send_traced_peaks = []
    for _ in range(5):
        one_dossier()
        send_traced_peaks.append(tracemalloc.get_traced_memory()[1])

    # Memory as files grow: one upload request with 2 MB files, then with 9 MB files.
    grow = {}
    for size_mb in (2, 9):
        response = client.post(reverse("dossiers:new", args=[procedure.code]), applicant)
        code = response["Location"].split("/")[2]
        body = work / f"grow-{size_mb}.bin"
        size = write_multipart(
            body, {"action": "upload"}, [(f"slot-{required[0].pk}", "lon.pdf", int(size_mb * MB) - 4096)]
        )
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        response = post_streamed(client, reverse("dossiers:step", args=[code, "attachments"]), body)
        assert response.status_code == 302
        grow[size_mb] = (size, tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()

    sent = Dossier.objects.filter(status=DossierStatus.SENT).count() - len(send_traced_peaks)
    stored = Attachment.objects.count()
    print(f"Dossier send benchmark — PostgreSQL {settings.DATABASES['default']['NAME']}, Django test client, views")
    print(f"dossiers sent: {sent} / {args.dossiers}; attachments stored: {stored}; total time {elapsed:.1f} s")
    print(f"upload request body: {upload_bytes / MB:.1f} MB (3 files of {args.file_size_mb:g} MB)")
    print()
    print("request                      p50 ms   p95 ms   max ms")
    for label, values in (("send (Gửi đi)", send_times), ("upload 3 files (context)", upload_times)):
        print(f"{label:<27} {statistics.median(values):7.1f}  {percentile(values, 95):7.1f}  {max(values):7.1f}")
    print()
    print("peak RSS of the process (ru_maxrss) after N dossiers:")
    print("  " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in checkpoints))
    print(
        "tracemalloc peak of one send request (5 more dossiers): "
        f"median {statistics.median(send_traced_peaks) / 1024:.0f} KiB, max {max(send_traced_peaks) / 1024:.0f} KiB"
    )
    print("tracemalloc peak of one upload request as the file grows:")
    for size_mb, (size, peak) in grow.items():
        print(f"  {size_mb} MB file (body {size / MB:.1f} MB): {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    try:
        main()
    finally:  # the files sent, the bodies written, the var directory
        for folder in (MEDIA, VAR, BODIES):
            shutil.rmtree(folder, ignore_errors=True)
