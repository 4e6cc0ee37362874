"""The settings the browser tests' live portal runs with: production's, plus the payment gateway
simulator (production forces it off), so a journey can pay a fee the way `make run` does; and for
the test that counts requests against the rate limits (test_security_live.py), the same counts over
a day, so that no minute window rolls over between two of its requests. Nothing else differs from
production."""

import os

from portal.settings.production import *  # noqa: F403
from portal.settings.production import RATE_LIMITS

PAYMENT_SIMULATOR_ENABLED = True
if os.environ.get("LIVE_RATES_PER_DAY"):
    RATE_LIMITS = {group: rate and f"{rate.split('/')[0]}/d" for group, rate in RATE_LIMITS.items()}
