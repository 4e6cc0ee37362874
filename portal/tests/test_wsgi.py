"""The WSGI entry point gunicorn workers load (portal/wsgi.py)."""

import json
import os
import subprocess
import sys

from django.conf import settings


def test_a_worker_starts_with_what_it_loaded_out_of_the_garbage_collectors_sight():
    """Everything loaded before the first request (Django, the apps, the URLconf and its views) is
    frozen, so a full collection during a request walks only what requests created."""
    code = (
        "import gc, json, sys, portal.wsgi; "
        "print(json.dumps([gc.get_freeze_count(), len(gc.get_objects()), 'procedures.views' in sys.modules]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    frozen, tracked, views_loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert views_loaded
    assert frozen > 10 * tracked  # nearly everything the worker holds is frozen
