"""The poverty standard of existing figures (issue 12, "the standard of every figure").

The indicators whose figures change meaning with the poverty standard are marked
(`depends_on_standard`), and their figures and yearly values without a standard get the one in
force in their year: from households.PovertyStandard when it is loaded, else the years of
data/standards/standards.csv. A figure that already exists under that standard is left as it is.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

DEPENDING = ("GN01", "GN02", "GN03", "GN06", "DV01", "X201", "HN02", "HN03", "HN04", "HN05")
# (code, first year, last year), as in data/standards/standards.csv, when the table is empty.
STANDARD_YEARS = (("qd-59-2015", 2016, 2021), ("nd-07-2021", 2022, 2026), ("nd-351-2025", 2027, 2030))


def stamp(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Actual = apps.get_model("indicators", "Actual")
    YearlyValue = apps.get_model("indicators", "YearlyValue")
    PovertyStandard = apps.get_model("households", "PovertyStandard")
    Indicator.objects.filter(code__in=DEPENDING).update(depends_on_standard=True)
    years = list(PovertyStandard.objects.values_list("code", "first_year", "last_year")) or STANDARD_YEARS
    for code, first, last in years:
        actuals = Actual.objects.filter(indicator__depends_on_standard=True, standard="", year__gte=first, year__lte=last)
        taken = Actual.objects.filter(
            indicator_id=OuterRef("indicator_id"), unit_id=OuterRef("unit_id"), period_kind=OuterRef("period_kind"),
            year=OuterRef("year"), period_number=OuterRef("period_number"), breakdown=OuterRef("breakdown"), standard=code,
        )
        actuals.exclude(Exists(taken)).update(standard=code)
        values = YearlyValue.objects.filter(indicator__depends_on_standard=True, standard="", year__gte=first, year__lte=last)
        taken_values = YearlyValue.objects.filter(
            indicator_id=OuterRef("indicator_id"), unit_id=OuterRef("unit_id"), year=OuterRef("year"),
            breakdown=OuterRef("breakdown"), standard=code,
        )
        values.exclude(Exists(taken_values)).update(standard=code)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_targets_assessments"),
        ("households", "0003_access_log_list_and_full_export"),
    ]

    operations = [migrations.RunPython(stamp, migrations.RunPython.noop)]
