"""The WSGI entry point gunicorn workers load (portal/wsgi.py)."""

import os
import subprocess
import sys

from django.conf import settings


def test_a_worker_starts_with_what_it_loaded_out_of_the_garbage_collectors_sight():
    """Everything loaded before the first request (Django, the apps, the URLconf and its views) is
    frozen, so a full collection during a request walks only what requests created."""
    code = "import gc, portal.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.strip().splitlines()[-1]) > 50_000
