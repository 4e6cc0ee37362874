"""WSGI entry point; gunicorn serves ``portal.wsgi:application``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

application = get_wsgi_application()

# What a worker loads before its first request (Django, the apps, the URLconf and the views it
# imports: ~150,000 objects) lives as long as the process. Frozen, it is out of the cyclic garbage
# collector's sight: a full collection during a request walks only what came later, a few ms
# instead of ~80 ms (docs/benchmarks/catalogue.md, "Garbage collection"). Importing the URLconf
# here also means a worker whose URLconf is broken fails to boot (gunicorn reports it) instead of
# answering 500 to every request.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module now
gc.collect()  # what start-up left behind is freed, not frozen
gc.freeze()
