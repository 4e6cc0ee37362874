import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_database_prices_random_reads_for_memory_or_ssd():
    """core migration 0002: at PostgreSQL's default (4) a search matching 15 % of the catalogue
    scanned every entry instead of reading its GIN indexes. Set on the database, so every new
    session gets it, not only the one that migrated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setconfig FROM pg_db_role_setting JOIN pg_database d ON d.oid = setdatabase "
            "WHERE d.datname = current_database() AND setrole = 0"
        )
        assert "random_page_cost=1.1" in cursor.fetchone()[0]
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
