"""The search no longer needs fuzzystrmatch (typos are corrected in memory against the vocabulary,
``search.Vocabulary``) nor pg_trgm (its last index went in 0004)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("procedures", "0012_merge_0010_search_stats_0011_procedure_name_sort")]

    operations = [
        migrations.RunSQL(
            "DROP EXTENSION IF EXISTS fuzzystrmatch; DROP EXTENSION IF EXISTS pg_trgm;",
            "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch; CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        )
    ]
