"""Signup timing benchmark: does a signup's answer time tell whether an email is registered?

    make bench-signup      # or: .venv/bin/python -m benchmarks.signup [--tries 50] [--output FILE]

Issue 23 measured a median of 79 ms for a registered address against 438 ms for a new one: the
new account's password hashing (PBKDF2) was the difference. This posts ``--tries`` valid personal
signups with new addresses and as many with registered ones, interleaved (so a slower moment of
the machine hits both alike), through the real view with django.test.Client and the production
password hasher, and reports each median and their difference. Target: medians within 10 %.

Own database (BENCH_DATABASE_URL, default portal_bench_signup, dropped and recreated), the
process's memory as cache (no Redis), the limits out of the way, emails to memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from benchmarks.common import ensure_database, write_report

BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_signup")
os.environ["DATABASE_URL"] = BENCH_DB
os.environ.pop("REDIS_URL", None)
os.environ.pop("CACHE_REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ["CONN_MAX_AGE"] = "600"
os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per email sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=50, help="signups of each kind")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = parser.parse_args()

    ensure_database(BENCH_DB, recreate=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # locmem email, as in the test suite
    call_command("migrate", verbosity=0)

    from accounts.tests.factories import UserFactory

    strong = "Mot-mat-khau-rat-manh-91"
    production_hashers = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # Django's default, production's
    limits = dict.fromkeys(settings.RATE_LIMITS)  # no limit
    timings: dict[str, list[float]] = {"new": [], "registered": []}
    with override_settings(PASSWORD_HASHERS=production_hashers, RATE_LIMITS=limits, CAPTCHA_TEST_MODE=True):
        from captcha.conf import settings as captcha_settings

        captcha_settings.CAPTCHA_TEST_MODE = True  # the library reads it once, at import
        registered = [UserFactory(email=f"da-co-{i}@example.vn").email for i in range(args.tries)]
        for i in range(args.tries + 2):  # the first pair warms up (imports, connections)
            for kind in ("new", "registered"):
                email = f"moi-{i}@example.vn" if kind == "new" else registered[i % args.tries]
                data = {
                    "account_type": "personal",
                    "full_name": "Nguyễn Thị Hoa",
                    "date_of_birth": "1992-03-04",
                    "gender": "female",
                    "citizen_id": "001192012345",
                    "phone": "0912345678",
                    "email": email,
                    "password1": strong,
                    "password2": strong,
                    "captcha_0": "bench",
                    "captcha_1": "PASSED",
                }
                client = Client()
                start = time.perf_counter()
                response = client.post(reverse("account_signup"), data)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 302, response.content[:2000]
                if i >= 2:
                    timings[kind].append(elapsed)
    new, old = statistics.median(timings["new"]), statistics.median(timings["registered"])
    gap = abs(new - old) / max(new, old) * 100
    load = os.getloadavg()
    report = "\n".join(
        [
            "# Signup timing benchmark",
            "",
            f"Command: `make bench-signup` (python -m benchmarks.signup --tries {args.tries}). Valid personal "
            "signups through the view (django.test.Client), Django's default password hasher (PBKDF2, as in "
            "production), new and registered addresses interleaved. Target: medians within 10 %. Before the fix "
            "(issue 23): 79 ms registered against 438 ms new.",
            "",
            "| addresses | tries | median | p90 |",
            "|---|---|---|---|",
            *(
                f"| {kind} | {len(values)} | {statistics.median(values):.0f} ms | "
                f"{statistics.quantiles(values, n=10)[-1]:.0f} ms |"
                for kind, values in timings.items()
            ),
            "",
            f"Difference of the medians: {gap:.1f} % ({'within' if gap <= 10 else 'NOT within'} 10 %). "
            f"Load average (1, 5, 15 min) at the end: {' / '.join(f'{v:.1f}' for v in load)}, "
            f"{os.cpu_count()} cores.",
            "",
        ]
    )
    print(report)
    if args.output:
        write_report(args.output, report)


if __name__ == "__main__":
    main()
