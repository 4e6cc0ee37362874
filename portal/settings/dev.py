"""Developer defaults: `make run` with no environment set."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# `make run` signs results with demo certificates (`manage.py make_demo_certificates`).
RESULT_SIGNING_DEMO_DIR = env.str("RESULT_SIGNING_DEMO_DIR", default=str(VAR_DIR / "signing"))

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Tasks run in-process here (no REDIS_URL): kombu's in-memory transport has no host and says so
# on every task; nothing to act on.
if CELERY_TASK_ALWAYS_EAGER:
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# Fee payments: the local gateway simulator, used by every agency without a payment account.
PAYMENT_SIMULATOR_ENABLED = env.bool("PAYMENT_SIMULATOR_ENABLED", default=True)
PAYMENT_DEFAULT_PROVIDER = env.str("PAYMENT_DEFAULT_PROVIDER", default="simulator")
