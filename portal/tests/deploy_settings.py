"""Production settings plus a few test-only views, for the gunicorn nodes test_nginx.py starts;
the rates keep production's counts over a day, so that no window rolls over between two requests
of the test that counts them (django-ratelimit's windows do not start on the clock's minute)."""

from portal.settings.production import *  # noqa: F403
from portal.settings.production import RATE_LIMITS

ROOT_URLCONF = "portal.tests.deploy_urls"
RATE_LIMITS = {group: rate and f"{rate.split('/')[0]}/d" for group, rate in RATE_LIMITS.items()}
