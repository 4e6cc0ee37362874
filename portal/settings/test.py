"""Test defaults: `make test` points DATABASE_URL and REDIS_URL at the real services."""

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, EMAIL_URL, RATE_LIMITS, VAR_DIR, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
# Tests run tasks in-process unless a test starts its own worker (see accounts/tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # workers started by tests say 0
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite's keys in REDIS_URL's database, which it may share: the cache's under KEY_PREFIX, and
# the broker's (queues of the tests that start a worker) under the same prefix through kombu's
# global_keyprefix. conftest.py deletes exactly these, never the whole database.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="portal-test")
if "KEY_PREFIX" in CACHES["ratelimit"]:
    CACHES["ratelimit"]["KEY_PREFIX"] = CACHES["default"]["KEY_PREFIX"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{CACHES['default']['KEY_PREFIX']}:celery:",
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
WHITENOISE_USE_FINDERS = True
# locmem for the suite; a worker test points EMAIL_URL at its own SMTP sink.
if not EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Results are signed with demo certificates (core/signing.py), kept between runs under var/.
RESULT_SIGNING_DEMO_DIR = env.str("RESULT_SIGNING_DEMO_DIR", default=str(VAR_DIR / "test-signing"))
# Fee payments: the local gateway simulator (its routes exist only when this is on).
PAYMENT_SIMULATOR_ENABLED = env.bool("PAYMENT_SIMULATOR_ENABLED", default=True)
PAYMENT_DEFAULT_PROVIDER = env.str("PAYMENT_DEFAULT_PROVIDER", default="simulator")
# Every rate keeps its count but over a day: a test that makes the 11th request checks the count,
# and a minute window could roll over between two requests of a slow test (seen in CI four times).
RATE_LIMITS = {group: rate and f"{rate.split('/')[0]}/d" for group, rate in RATE_LIMITS.items()}
