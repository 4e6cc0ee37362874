"""Where a page's time goes: cProfile of N requests to one page of the load benchmark's database,
in one process through Django's test client (no server, no network, no other load), with the
production settings the load benchmark serves (benchmarks/settings.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_loadbench REDIS_URL=redis://127.0.0.1:6379/15 \\
      .venv/bin/python -m benchmarks.profile_page lookup|my_dossiers|detail|baseline [--requests 300]

Seed the database first (`make bench` does). Prints CPU ms per request, unprofiled, then the
functions with the most cumulative time. The reports are docs/benchmarks/profiles/*.txt.
"""

import argparse
import cProfile
import io
import os
import pstats
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=["lookup", "my_dossiers", "detail", "baseline"])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ.setdefault("SECRET_KEY", "profile-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-profile-{os.getpid()}"  # a cold page cache, its own keys
    import django
    from django.conf import settings

    django.setup()
    # The load benchmark runs collectstatic; here the files are read from the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from benchmarks.common import empty_cache

    request = build(args.page)
    for _ in range(30):  # warm: connections, templates, caches
        response = request()
    assert response.status_code == 200, response.status_code
    started = time.process_time()
    for _ in range(args.requests):
        request()
    cpu = (time.process_time() - started) / args.requests * 1000
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        request()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.lines)
    print(f"{args.page}: {cpu:.2f} ms of CPU per request (unprofiled, {args.requests} requests)\n")
    print(out.getvalue().replace(str(settings.BASE_DIR) + "/", ""))
    empty_cache()  # what this run cached, under its own key prefix, and nothing else


def build(page: str):
    from django.test import Client

    from accounts.models import User
    from dossiers.models import Dossier
    from procedures.models import Procedure

    client = Client()
    if page == "lookup":
        code = Dossier.objects.exclude(status="draft").values_list("code", flat=True).first()
        data = {"code": code, "captcha_0": "bench", "captcha_1": "PASSED"}
        return lambda: client.post("/lookup/", data)
    if page == "my_dossiers":
        client.force_login(User.objects.filter(dossiers__isnull=False).first())
        return lambda: client.get("/dossiers/")
    codes = iter(Procedure.objects.values_list("code", flat=True))
    if page == "detail":  # a different procedure each time: the page cache never hits, as under load
        return lambda: client.get(f"/procedures/{next(codes)}/")
    first = next(codes)
    return lambda: client.get(f"/bench/baseline/{first}/")


if __name__ == "__main__":
    main()
