"""An index on the captcha store's expiry time (django-simple-captcha ships none).

Every captcha check (each lookup, dossier send and signup) first runs
``DELETE FROM captcha_captchastore WHERE expiration <= now()``, and every page showing a captcha
(the home page, /lookup/) adds a row that lives 10 minutes: at 50 home page views a second the
table holds ~30,000 rows, and without this index each check scanned all of them (3 ms of
PostgreSQL time per lookup at 39,000 rows in `make bench`, 0.02 ms with it).
"""

from django.db import migrations

INDEX = "lookup_captcha_expiration_idx"


def create(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON captcha_captchastore (expiration)")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("captcha", "0002_alter_captchastore_id")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
