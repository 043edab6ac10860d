"""The register's own indicators (counts the seed catalogue lacks), beside GN01–GN03 and GN06 of data/cascade."""

from django.db import migrations

from plans.text import search_key

INDICATORS = [
    ("HN01", "Tổng số hộ trong sổ rà soát", "lower", "Số hộ có kết quả rà soát trong năm (mẫu số của tỷ lệ hộ nghèo, cận nghèo tính từ sổ hộ)."),
    ("HN02", "Số hộ cận nghèo", "lower", ""),
    ("HN03", "Số hộ thoát nghèo", "higher", "Hộ nghèo ở lần rà soát trước, không còn nghèo ở lần rà soát này."),
    ("HN04", "Số hộ nghèo phát sinh", "lower", "Hộ nghèo ở lần rà soát này, không nghèo ở lần trước và chưa từng nghèo trước đó."),
    ("HN05", "Số hộ tái nghèo", "lower", "Hộ đã thoát nghèo nay lại rơi vào nghèo."),
]


def add_indicators(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    for code, name, direction, description in INDICATORS:
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "measure_unit": "households", "direction": direction, "aggregation": "sum",
                "description": description, "search_key": search_key(name, code),
            },
        )


def remove_indicators(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Indicator.objects.filter(code__in=[code for code, *_ in INDICATORS], targets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0001_initial"),
        ("indicators", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_indicators, remove_indicators)]
