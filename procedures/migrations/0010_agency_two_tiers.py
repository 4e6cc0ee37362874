"""Two tiers of local government since 1 July 2025: the district level is gone.

Existing catalogues: the demo's Cầu Giấy district People's Committee becomes the People's Committee
of the new Phường Cầu Giấy (same row, so its procedures, dossiers, officers and payment settings
follow), which also takes over the procedures of the old Phường Dịch Vọng merged into it (that row
stays, inactive, for the dossiers it received); Công an phường Dịch Vọng becomes Công an phường Cầu
Giấy. Any other agency still at the district level moves to the commune level, which took over
most district procedures (its name and its parent are for an administrator to review).
"""

from django.db import migrations, models

CAU_GIAY = {
    "code": "UBND-PHUONG-CAUGIAY",
    "name": "Ủy ban nhân dân phường Cầu Giấy",
    "level": "commune",
    "address": "36 Cầu Giấy, Phường Cầu Giấy, Thành phố Hà Nội",
}
POLICE = {
    "code": "CA-PHUONG-CAUGIAY",
    "name": "Công an phường Cầu Giấy",
    "address": "Số 6 phố Trần Quốc Vượng, Phường Cầu Giấy, Thành phố Hà Nội",
    "email": "ca.caugiay@hanoi.gov.vn",
}


def forwards(apps, schema_editor):
    Agency = apps.get_model("procedures", "Agency")
    Procedure = apps.get_model("procedures", "Procedure")
    codes = set(Agency.objects.values_list("code", flat=True))
    if "UBND-Q-CAUGIAY" in codes and "UBND-PHUONG-CAUGIAY" not in codes:
        parent = Agency.objects.filter(code="HN").first()
        Agency.objects.filter(code="UBND-Q-CAUGIAY").update(parent=parent, **CAU_GIAY)
        ward = Agency.objects.get(code="UBND-PHUONG-CAUGIAY")
        old_ward = Agency.objects.filter(code="UBND-PHUONG-DICHVONG").first()
        if old_ward is not None:
            Procedure.objects.filter(agency=old_ward).update(agency=ward)
            Agency.objects.filter(parent=old_ward).update(parent=ward)
            Agency.objects.filter(pk=old_ward.pk).update(
                is_active=False, parent=ward, name="Ủy ban nhân dân phường Dịch Vọng (sáp nhập vào phường Cầu Giấy)"
            )
    if "CA-PHUONG-DICHVONG" in codes and "CA-PHUONG-CAUGIAY" not in codes:
        Agency.objects.filter(code="CA-PHUONG-DICHVONG").update(**POLICE)
    Agency.objects.filter(level="district").update(level="commune")
    # The cached agency tree and catalogue pages are keyed on the catalogue's version: forget it.
    try:
        from django.core.cache import cache

        cache.delete("procedures:catalogue-version")
    except Exception:  # noqa: BLE001 - no cache server while migrating: nothing cached to forget
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0009_merge_0006_form_field_year_0008_search_document"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agency",
            name="level",
            field=models.CharField(
                choices=[
                    ("ministry", "Central: ministry or sector"),
                    ("province", "Province: People's Committee"),
                    ("department", "Province: department"),
                    ("commune", "Commune, ward or special zone"),
                ],
                max_length=20,
                verbose_name="level",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
