import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_planner_prices_random_reads_for_memory_or_ssd():
    """core migration 0002: at PostgreSQL's default (4) a search matching 15 % of the catalogue
    scanned every entry instead of reading its GIN indexes."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
