"""portal.sqlvalues.prepared_cursor: PostgreSQL plans the lookup's statement once per connection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.sqlvalues import prepared_cursor

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %s::text || '-' || %s::text"


def prepared_statements() -> dict[str, tuple[int, int]]:
    """This session's prepared statements: their text, with the generic and custom plans run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def run(a: str, b: str) -> str:
    with prepared_cursor() as cursor:
        cursor.execute(STATEMENT, [a, b])
        return cursor.fetchone()[0]


def test_a_statement_is_prepared_once_and_then_runs_on_its_generic_plan():
    assert [run("a", str(i)) for i in range(8)] == [f"a-{i}" for i in range(8)]
    found = {text: plans for text, plans in prepared_statements().items() if "|| '-' ||" in text}
    assert len(found) == 1, found  # one statement for every run, the values bound to it
    ((text, (generic, custom)),) = found.items()
    assert "$1" in text and generic + custom == 8 and generic > 0  # past PostgreSQL's five custom plans


def test_it_is_logged_and_counted_like_any_query(django_assert_num_queries):
    with CaptureQueriesContext(connection) as captured:
        run("x", "y")
    assert captured.captured_queries[0]["sql"] == "SELECT $1::text || '-' || $2::text"
    with django_assert_num_queries(1):
        run("x", "z")


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again():
    assert run("a", "1") == "a-1"
    connection.close()  # as after CONN_MAX_AGE, a failed health check or a PostgreSQL restart
    assert run("a", "2") == "a-2"
    assert any("|| '-' ||" in text for text in prepared_statements())


def test_the_orm_and_ordinary_cursors_still_prepare_nothing():
    from django.contrib.auth import get_user_model

    run("a", "1")  # the connection now prepares when asked
    for _ in range(10):
        list(get_user_model().objects.filter(pk=1))
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int", [1])
    assert all("|| '-' ||" in text for text in prepared_statements())


def test_switched_off_for_a_pooler_it_is_an_ordinary_cursor(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert run("a", "1") == "a-1"
    assert not prepared_statements()


def test_with_connections_not_kept_nothing_is_prepared(settings):
    """``CONN_MAX_AGE=0`` (behind PgBouncer, docs/deployment.md): a connection per request would
    prepare the statement anew each time, one more round trip for nothing."""
    connection.settings_dict["CONN_MAX_AGE"], kept = 0, connection.settings_dict["CONN_MAX_AGE"]
    try:
        assert run("a", "1") == "a-1"
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = kept
    assert not prepared_statements()
