"""The catalogue in Vietnamese alphabetical order on every PostgreSQL: a stored sort key (issue 19)."""

from django.db import migrations, models

from core.collation import vietnamese_sort_key


def fill(apps, schema_editor):
    """The sort key of every procedure already there (new ones get it from ``Procedure.save``)."""
    Procedure = apps.get_model("procedures", "Procedure")
    batch = []
    for procedure in Procedure.objects.only("pk", "name").iterator(chunk_size=2000):
        procedure.name_sort = vietnamese_sort_key(procedure.name)
        batch.append(procedure)
        if len(batch) == 2000:
            Procedure.objects.bulk_update(batch, ["name_sort"])
            batch = []
    Procedure.objects.bulk_update(batch, ["name_sort"])


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0010_agency_two_tiers'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='procedure',
            options={'ordering': ['name_sort', 'pk'], 'verbose_name': 'procedure', 'verbose_name_plural': 'procedures'},
        ),
        migrations.RemoveIndex(
            model_name='procedure',
            name='procedure_published_by_name',
        ),
        migrations.AddField(
            model_name='procedure',
            name='name_sort',
            field=models.CharField(db_collation='C', default='', editable=False, max_length=1000),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='procedure',
            index=models.Index(condition=models.Q(('is_published', True)), fields=['name_sort', 'id'], name='procedure_published_by_name'),
        ),
    ]
