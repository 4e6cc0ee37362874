"""Test defaults: `make test` points DATABASE_URL and REDIS_URL at the real services."""

from .base import *  # noqa: F403
from .base import CACHES, EMAIL_URL, LOGGING, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
# Tests run tasks in-process unless a test starts its own worker (see accounts/tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # workers started by tests say 0
CELERY_TASK_EAGER_PROPAGATES = True
CAPTCHA_TEST_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="portal-test")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
WHITENOISE_USE_FINDERS = True
LOGGING["loggers"]["captcha.conf.settings"] = {"level": "CRITICAL"}  # the test-mode warning, expected here
# locmem for the suite; a worker test points EMAIL_URL at its own SMTP sink.
if not EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
