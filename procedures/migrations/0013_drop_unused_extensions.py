"""The search no longer needs fuzzystrmatch (typos are corrected in memory against the vocabulary,
``search.Vocabulary``) nor pg_trgm (its last index went with 0004 and 0008). An extension the
migrating user does not own, or that something else now uses, is left in place with a notice."""

from django.db import migrations

DROP = """
DO $$
DECLARE
    extension text;
BEGIN
    FOREACH extension IN ARRAY ARRAY['fuzzystrmatch', 'pg_trgm'] LOOP
        BEGIN
            EXECUTE format('DROP EXTENSION IF EXISTS %I', extension);
        EXCEPTION WHEN insufficient_privilege OR dependent_objects_still_exist THEN
            RAISE NOTICE 'extension % left in place: %', extension, SQLERRM;
        END;
    END LOOP;
END $$;
"""
CREATE = "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch; CREATE EXTENSION IF NOT EXISTS pg_trgm;"


class Migration(migrations.Migration):
    dependencies = [("procedures", "0012_merge_0010_search_stats_0011_procedure_name_sort")]

    operations = [migrations.RunSQL(DROP, CREATE)]
