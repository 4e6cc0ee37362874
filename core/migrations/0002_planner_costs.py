"""The planner's price of a random page read for this database, for data in memory or on SSD.

PostgreSQL's default random_page_cost (4) prices spinning disks: with it the planner scanned all
10,000 search entries (11 ms) rather than read the GIN indexes (2 ms) for a search matching 15 % of
them (docs/benchmarks/catalogue.md). 1.1 is the usual value for SSD.

Set on the database (ALTER DATABASE … SET), so every new session gets it whatever connects: the
portal through PgBouncer (which refuses per-connection options), manage.py dbshell, a replica (the
setting is in the catalogue, which streams). A database the migrating user does not own keeps the
server's value, with a notice: a DBA may set it server-wide instead.
"""

from django.db import migrations

SET = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'random_page_cost left to the server: not the owner of this database';
END $$;
SET random_page_cost = 1.1;
"""
RESET = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END $$;
RESET random_page_cost;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_ratelimit_counter")]

    operations = [migrations.RunSQL(SET, RESET)]
