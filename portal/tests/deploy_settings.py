"""Production settings plus a few test-only views, for the gunicorn nodes test_nginx.py starts."""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "portal.tests.deploy_urls"
