"""The settings the browser tests' live portal runs with: production's, plus the payment gateway
simulator (production forces it off), so a journey can pay a fee the way `make run` does. Nothing
else differs from production."""

from portal.settings.production import *  # noqa: F403

PAYMENT_SIMULATOR_ENABLED = True
