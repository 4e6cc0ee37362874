"""Every model change comes with its migration."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    # --check exits non-zero when makemigrations would write one; run against the test database,
    # which it reads to check that the applied migrations are consistent.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
