"""The one source of truth for settings.

Every value that differs between a laptop, CI and a province's servers comes from the environment
through ``env``; ``dev.py``, ``test.py`` and ``production.py`` only choose defaults.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
PORTAL_NAME = _("Public Service Portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "captcha",
    "csp",
    "django_ratelimit",
    "core",
    "accounts",
    "procedures",
    "dossiers",
    "lookup",
]

MIDDLEWARE = [
    # A NUL or another control character in the path or the query: 404 or 400 before anything reads it.
    "core.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every answer "private, no-store" unless it says "public" (static files are answered above).
    "core.middleware.PrivateUnlessPublicMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]
# One field partial renders every form (label, help, error, input): accessibility lives in one place.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in every mode. Without DATABASE_URL: the embedded server that `make run` and `make test`
# start, with its data and its Unix socket in var/postgres (core/embedded_postgres.py).
DATABASES = {"default": env.db("DATABASE_URL", default=embedded_postgres.database_url(VAR_DIR))}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Persistent connections with health checks: a PostgreSQL restart costs one reconnect, not a
# portal restart.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Cache -------------------------------------------------------------------------------------
# Rate limits must be shared by every web process: Redis whenever there is more than one.
# REDIS_URL is the Celery broker (and the cache on a small install); in production the cache gets
# its own Redis (CACHE_REDIS_URL, allkeys-lru) so that evicting cache keys can never drop a queued
# task from the broker's Redis (persistent, noeviction). See deploy/redis/.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default="") or REDIS_URL
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to "empty cache" when Redis is down (see core/cache.py).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    # The rate limits' counters: the same Redis, and PostgreSQL while it is away, so that no limit
    # fails open during an outage (core/cache.py).
    CACHES["ratelimit"] = {**CACHES["default"], "BACKEND": "core.cache.RateLimitCache"}
else:
    # `make run` with no environment: one process (the development server), so its own memory is
    # the shared cache (django-ratelimit says so: E003, silenced below for this case only).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-ratelimit"},
    }

# Template fragments that depend only on the language and the code (the layout's header, main
# navigation and footer in base.html): kept in each process's memory, so a page pays neither their
# rendering (~0.4 ms of translations and URL reversing) nor a Redis round trip. A deploy restarts the
# processes, which empties it. https://docs.djangoproject.com/en/5.2/topics/cache/#template-fragment-caching
CACHES["templates"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "portal-templates",
    "TIMEOUT": None,
}

# --- Authentication (django-allauth) --------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "add_email": "accounts.forms.ChangeEmailForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# One address per account: a citizen changes it (the new one confirmed from itself before it replaces
# the old one, with the password asked: accounts.forms.ChangeEmailForm), never adds a second one.
ACCOUNT_CHANGE_EMAIL = True
# Mandatory verification: no login before the activation link is opened, and it is what lets
# allauth hide whether an address is already registered.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_SESSION_REMEMBER = None  # ask: "Tự động đăng nhập lần sau"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# The portal's address as its users reach it: the links of emails sent without a request (Celery,
# the workflow's notifications) are built from it. `make run` sets it to its own port.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# allauth's own limits are off: every limit is counted by one mechanism (core.ratelimit).
ACCOUNT_RATE_LIMITS = False

# Sessions: short idle timeout for shared computers, long life when "remember me" is ticked.
SESSION_COOKIE_AGE = env.int("SESSION_REMEMBER_SECONDS", default=14 * 24 * 3600)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Read from the cache, written through to the database: a logged-in page saves a query, and a
# session survives the cache being emptied or away (core/cache.py answers "not cached").
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Captcha (django-simple-captcha) --------------------------------------------------------
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
CAPTCHA_LENGTH = 5
CAPTCHA_FONT_SIZE = 32
CAPTCHA_IMAGE_SIZE = (140, 48)
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
CAPTCHA_LETTER_ROTATION = (-20, 20)
# An audio version of each code ("Listen to the code") when the flite speech synthesiser is
# installed (apt-get install flite): its path here, e.g. /usr/bin/flite. The widget always names
# the help line as the path for anyone who can use neither.
CAPTCHA_FLITE_PATH = env.str("CAPTCHA_FLITE_PATH", default=None)

# --- Email ----------------------------------------------------------------------------------
# Default: files under var/mail/ a person can open; EMAIL_URL (smtp://user:pass@host:port,
# smtp+tls://…) switches to a real server.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng Dịch vụ công <no-reply@dichvucong.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL tasks run in-process when they are enqueued (after commit), so the embedded
# default needs no broker. With it, a real worker consumes the Redis queue.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within this time is redelivered (acks_late + a killed worker).
# How often workers look for such orphaned messages: every interval × throttle seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=6),
}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# Publishing gives up quickly when the broker is down: the outbox row stays pending and the
# sweeper below sends it once the broker is back, so a request never hangs on Redis.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    # Every 2 minutes: re-enqueue outbox emails left pending by a broker outage.
    "requeue-pending-emails": {"task": "accounts.tasks.requeue_pending_emails", "schedule": 120.0},
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates shown and typed as dd/mm/yyyy in Vietnamese (Django's "vi" module lacks input formats):
# https://docs.djangoproject.com/en/5.2/topics/i18n/formatting/#creating-custom-format-files
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files live outside every publicly served folder and are never given a MEDIA_URL
# route: they are downloaded only through views that check permissions.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/_protected_media/"
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Object storage (optional): AWS_STORAGE_BUCKET_NAME switches uploaded files to an S3-compatible
# bucket through django-storages, so that several web nodes share them. The bucket stays private
# (no public ACL, every URL signed, valid for AWS_QUERYSTRING_EXPIRE seconds) and names never
# overwrite each other. https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None  # None: Amazon S3 itself
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="path")  # most S3-compatible servers
AWS_LOCATION = env.str("AWS_LOCATION", default="")  # a key prefix inside the bucket
AWS_DEFAULT_ACL = "private"
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=60)
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_FILE_OVERWRITE = False
AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "private, no-store"}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}

# How a permission-checked view hands a private file over (core.files.private_file_response):
# "django" streams it from the worker; "nginx" answers X-Accel-Redirect to the internal location
# PRIVATE_FILE_NGINX_PREFIX that nginx maps onto MEDIA_ROOT (deploy/nginx/portal.conf); "s3"
# redirects to a presigned URL of the private object (needs AWS_STORAGE_BUCKET_NAME).
PRIVATE_FILE_SERVING = env.str("PRIVATE_FILE_SERVING", default="django")
PRIVATE_FILE_NGINX_PREFIX = env.str("PRIVATE_FILE_NGINX_PREFIX", default="/_protected_media/")
if PRIVATE_FILE_SERVING not in {"django", "nginx", "s3"}:
    raise ImproperlyConfigured(f"PRIVATE_FILE_SERVING must be django, nginx or s3, not {PRIVATE_FILE_SERVING!r}.")
if PRIVATE_FILE_SERVING == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("PRIVATE_FILE_SERVING=s3 needs AWS_STORAGE_BUCKET_NAME (files in object storage).")

FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # bigger uploads stream to temporary files
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Dossiers (issue 4) ----------------------------------------------------------------------
# Limits for the attachments a citizen uploads; the wizard, the upload handler and the send check
# all read these. Files go to STORAGES["default"] (disk by default, object storage later) under
# DOSSIER_UPLOAD_DIR, which is never served by a public URL.
DOSSIER_MAX_FILE_SIZE = env.int("DOSSIER_MAX_FILE_SIZE", default=10 * 1024 * 1024)  # per file
DOSSIER_MAX_TOTAL_SIZE = env.int("DOSSIER_MAX_TOTAL_SIZE", default=50 * 1024 * 1024)  # per dossier
# Pillow warns above its own limit (89 MP) and only raises at twice that: we refuse anything above
# this many pixels (a 50 MP phone photo passes). https://pillow.readthedocs.io/en/stable/reference/Image.html
DOSSIER_MAX_IMAGE_PIXELS = env.int("DOSSIER_MAX_IMAGE_PIXELS", default=50_000_000)
DOSSIER_MAX_FILES_PER_DOSSIER = env.int("DOSSIER_MAX_FILES_PER_DOSSIER", default=60)
DOSSIER_UPLOAD_DIR = "dossiers"
DOSSIER_LIST_PAGE_SIZE = 20
# The public lookup page the receipt's QR code opens (served by the lookup app).
DOSSIER_LOOKUP_PATH = "/lookup/"

# --- Back office (issue 5) -------------------------------------------------------------------
# Deadlines are counted in working days (dossiers/deadlines.py, docs/backoffice.md): a dossier is
# "due soon" when its due date is within this many working days.
DOSSIER_DUE_SOON_WORKING_DAYS = env.int("DOSSIER_DUE_SOON_WORKING_DAYS", default=2)
# The reply-by date a supplement request offers by default, in working days from today.
DOSSIER_SUPPLEMENT_REPLY_WORKING_DAYS = env.int("DOSSIER_SUPPLEMENT_REPLY_WORKING_DAYS", default=5)
# Every morning at 07:00 (Asia/Ho_Chi_Minh) each officer gets the due-soon and overdue dossiers of
# their agencies by email (skipped when there are none; one per officer and day).
# --- Fee payments (issue 21, dossiers/payments/) ----------------------------------------------
# The provider of an agency with no payment account set in admin: vnpay, vietqr, or simulator.
PAYMENT_DEFAULT_PROVIDER = env.str("PAYMENT_DEFAULT_PROVIDER", default="vietqr")
PAYMENT_DUE_DAYS = env.int("PAYMENT_DUE_DAYS", default=7)  # calendar days to pay a request
# Beat asks the gateway about orders still pending this many minutes after they began.
PAYMENT_QUERY_AFTER_MINUTES = env.int("PAYMENT_QUERY_AFTER_MINUTES", default=15)
PAYMENT_QUERY_BATCH = env.int("PAYMENT_QUERY_BATCH", default=200)
PAYMENT_GATEWAY_TIMEOUT_MINUTES = env.int("PAYMENT_GATEWAY_TIMEOUT_MINUTES", default=15)
PAYMENT_GATEWAY_HTTP_TIMEOUT = env.int("PAYMENT_GATEWAY_HTTP_TIMEOUT", default=10)
# VNPAY (https://sandbox.vnpayment.vn/apis/docs/): merchant code and secret from the merchant account.
PAYMENT_VNPAY_TMN_CODE = env.str("PAYMENT_VNPAY_TMN_CODE", default="")
PAYMENT_VNPAY_HASH_SECRET = env.str("PAYMENT_VNPAY_HASH_SECRET", default="")
PAYMENT_VNPAY_URL = env.str("PAYMENT_VNPAY_URL", default="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
PAYMENT_VNPAY_API_URL = env.str(
    "PAYMENT_VNPAY_API_URL", default="https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"
)
# The bank's signed transfer notifications (VietQR), HMAC-SHA256 of the body; none: the URL is off.
PAYMENT_BANK_WEBHOOK_SECRET = env.str("PAYMENT_BANK_WEBHOOK_SECRET", default="")
# The local gateway simulator: development and tests only (production.py turns it off).
PAYMENT_SIMULATOR_ENABLED = False  # dev.py and test.py turn it on; production never
PAYMENT_SIMULATOR_TMN_CODE = "DVCSIM01"
PAYMENT_SIMULATOR_SECRET = "simulator-secret-not-for-production"  # noqa: S105 - signs only the simulator's own messages

# https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html#crontab-schedules
# Every 5 minutes: ask the gateway about pending payments (a late or lost notification), expire overdue ones.
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {"task": "dossiers.tasks.reconcile_payments", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["dossier-officer-digest"] = {
    "task": "dossiers.tasks.send_officer_digests",
    "schedule": crontab(hour=env.int("DOSSIER_DIGEST_HOUR", default=7), minute=0),
}

# --- Electronic results (issue 22) ----------------------------------------------------------
# A result PDF is signed (PAdES, core/signing.py) with its agency's certificate: a PKCS#12 file and
# its password from RESULT_SIGNING_P12_<CODE> and RESULT_SIGNING_PASSWORD_<CODE>, <CODE> being the
# agency code in capitals with every other character as "_" (SGDDT-HN → SGDDT_HN).
RESULT_SIGNING_KEYS = {
    name.removeprefix("RESULT_SIGNING_P12_"): {
        "p12": env.str(name),
        "password": env.str(name.replace("_P12_", "_PASSWORD_", 1), default=""),
    }
    for name in sorted(env.ENVIRON)
    if name.startswith("RESULT_SIGNING_P12_")
}
# Development only: an agency without a key of its own signs with a demo certificate issued on
# demand by a demo CA kept in this folder (`manage.py make_demo_certificates`; dev.py's default).
RESULT_SIGNING_DEMO_DIR = env.str("RESULT_SIGNING_DEMO_DIR", default="")
# An RFC 3161 timestamp authority (e.g. http://timestamp.digicert.com): signatures carry its
# timestamp (PAdES B-T) when set. https://pyhanko.readthedocs.io/en/latest/cli-guide/signing.html
RESULT_TSA_URL = env.str("RESULT_TSA_URL", default="")
# The public verification page a result's QR code opens (served by the lookup app).
RESULT_VERIFY_PATH = "/verify/"
# Issued results are kept this many years after issue (per agency: RESULT_RETENTION_YEARS_<CODE>);
# `purge_drafts` never removes one earlier.
RESULT_RETENTION_YEARS = env.int("RESULT_RETENTION_YEARS", default=20)
RESULT_RETENTION_YEARS_BY_AGENCY = {
    name.removeprefix("RESULT_RETENTION_YEARS_"): env.int(name)
    for name in sorted(env.ENVIRON)
    if name.startswith("RESULT_RETENTION_YEARS_")
}

# --- Catalogue search (issue 18) -----------------------------------------------------------
# The queries counted for the staff (searches without results, results nobody opened): at most
# this many new queries an hour (a bot typing random words cannot fill the tables), and a query
# nobody searched for this many days is deleted (beat ``search-stats-purge``, or the command
# ``purge_search_stats``).
SEARCH_STATS_NEW_PER_HOUR = env.int("SEARCH_STATS_NEW_PER_HOUR", default=500)
SEARCH_STATS_KEEP_DAYS = env.int("SEARCH_STATS_KEEP_DAYS", default=180)
CELERY_BEAT_SCHEDULE["search-stats-purge"] = {
    "task": "procedures.tasks.search_stats_purge",
    "schedule": crontab(hour=3, minute=30),
}

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None

# --- Rate limits (django-ratelimit) ------------------------------------------------------------
# One mechanism for every limited action (core/ratelimit.py): counters in the "ratelimit" cache (the
# cache's Redis, PostgreSQL while it is away), shared by every process. Rates are "count/period"
# (s, m, h, d; "5/5m" is five per five minutes); a group set to None is not limited.
# https://django-ratelimit.readthedocs.io/en/stable/settings.html
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_CACHE_PREFIX = "ratelimit:"
RATELIMIT_VIEW = "core.ratelimit.too_many_requests"
# Behind a reverse proxy the client address comes from X-Forwarded-For; trust only as many hops
# as there are proxies, or every citizen would share one limit (or spoof theirs).
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"
# W001 lists the backends the library has tested; Django's own Redis cache (under core/cache.py)
# increments atomically (INCR), which is what the library needs.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if CACHE_REDIS_URL else ["django_ratelimit.E003"])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # the addresses allauth records, read alike
RATE_LIMITS = {
    "login": "30/m",  # login attempts per client address
    "login_failed_ip": "10/m",  # failed logins per client address
    "login_failed_email": "5/5m",  # failed logins per account email: then even the right password waits
    "signup": "20/m",
    "reset_password_ip": "20/m",
    "reset_password_email": "5/m",
    "reset_password_from_key": "20/m",
    "change_password": "5/m",  # per user
    "manage_email": "10/h",  # email changes (and their resends, cancels) per user
    "confirm_email": "1/3m",  # activation emails per address, outside signup
    "lookup": f"{env.int('LOOKUP_RATE_LIMIT', default=10)}/m",  # public lookups per client address
    "verify": f"{env.int('VERIFY_RATE_LIMIT', default=10)}/m",  # result verifications per client address
    "search_open": "30/m",  # search results opened that are counted, per client address (beyond: not counted)
}

# --- Public statistics ----------------------------------------------------------------------
# How long a statistics page's figures are reused (seconds). Nothing invalidates them earlier:
# a new dossier shows up in the public figures within this delay.
STATISTICS_CACHE_SECONDS = env.int("STATISTICS_CACHE_SECONDS", default=300)

# --- Content Security Policy (django-csp) -----------------------------------------------------
# Only our own files run: no inline script, no inline style, no other origin; pages cannot be framed.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # fontTools (under fpdf2, core/pdf.py) logs every step of every font subset at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
