from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

# The words of every existing name, as search.WORDS_SQL writes them (a copy: a migration must not
# change when the code does). PostgreSQL only: SQLite has no typo-tolerant pass.
FILL_SQL = """
INSERT INTO procedures_searchword (word)
SELECT DISTINCT w.word
  FROM procedures_searchentry AS e, regexp_split_to_table(e.search_name, ' ') AS w(word)
 WHERE w.word <> '' AND w.word !~ '^[0-9]+$' AND length(w.word) <= 100
ON CONFLICT (word) DO NOTHING
"""


# The trigram index on the entries' names served only the previous typo pass (whole-query
# similarity to every name); nothing reads it now, and every catalogue write would keep updating it.
DROP_TRGM_SQL = "DROP INDEX IF EXISTS search_entry_name_trgm"
CREATE_TRGM_SQL = """
CREATE INDEX IF NOT EXISTS search_entry_name_trgm ON procedures_searchentry
  USING gin (search_name gin_trgm_ops) WITH (fastupdate = off) WHERE is_published
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_SQL)
        schema_editor.execute(DROP_TRGM_SQL)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRGM_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0003_search_entry"),
    ]

    operations = [
        # levenshtein_less_equal() for the close spellings (a trusted extension: no superuser needed).
        CreateExtension("fuzzystrmatch"),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=100, primary_key=True, serialize=False)),
            ],
            options={
                "verbose_name": "search word",
                "verbose_name_plural": "search words",
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
