"""Load benchmark (`make bench`): production settings, reachable over plain HTTP on loopback.

Everything that makes production production stays (DEBUG off, manifest static files through
WhiteNoise, PBKDF2 passwords, Redis cache, Celery worker, CSP, sessions in the database); only what
needs TLS or a real person is relaxed: cookies without ``Secure`` and no HTTPS redirect (the load
generator talks plain HTTP to 127.0.0.1), the captcha in test mode (``PASSED`` is accepted), and
the per-address limits raised because every simulated citizen comes from 127.0.0.1. The limits'
counters are still incremented on every request, so their cost is measured.

Added: the bare baseline page every result is divided by (benchmarks/urls.py), and the Celery
broker's keys under the cache's key prefix, so the benchmark can share a Redis database with
anything else and still remove every key it wrote (it never empties a database).
"""

from portal.settings.production import *  # noqa: F403
from portal.settings.production import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, INSTALLED_APPS, RATE_LIMITS

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # the baseline's template
ROOT_URLCONF = "benchmarks.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
CAPTCHA_TEST_MODE = True
RATE_LIMITS = {**RATE_LIMITS, "login": "100000/m", "lookup": "1000000/m"}
# https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.redis.html
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{CACHES['default'].get('KEY_PREFIX', 'portal')}-celery:",
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"captcha.conf.settings": {"level": "CRITICAL"}},  # the test-mode warning, expected here
}
