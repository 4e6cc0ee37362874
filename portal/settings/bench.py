"""Load benchmark (`make bench`): production settings, reachable over plain HTTP on loopback.

Everything that makes production production stays (DEBUG off, manifest static files through
WhiteNoise, PBKDF2 passwords, Redis cache, Celery worker, CSP, sessions in the database); only what
needs TLS or a real person is relaxed: cookies without ``Secure`` and no HTTPS redirect (the load
generator talks plain HTTP to 127.0.0.1), the captcha in test mode (``PASSED`` is accepted), and
the per-address limits raised because every simulated citizen comes from 127.0.0.1. The limits'
counters are still incremented on every request, so their cost is measured.
"""

from .production import *  # noqa: F403
from .production import ACCOUNT_RATE_LIMITS, env

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
CAPTCHA_TEST_MODE = True
LOOKUP_RATE_LIMIT = env.int("LOOKUP_RATE_LIMIT", default=1_000_000)
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "100000/m/ip"}
# The reference page every result is divided by (portal/bench.py): routed only here.
BENCH_BASELINE = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"captcha.conf.settings": {"level": "CRITICAL"}},  # the test-mode warning, expected here
}
