"""Production: secrets are demanded, never defaulted; everything hardened."""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
env.str("DATABASE_URL")  # no default either: never the embedded development server under var/

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A load balancer or monitor checks each gunicorn node directly over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
LANGUAGE_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")
SITE_URL = env.str("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}").rstrip("/")
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# Never the payment simulator in production, whatever the environment says.
PAYMENT_SIMULATOR_ENABLED = False
