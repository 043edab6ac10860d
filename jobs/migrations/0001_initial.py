from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PeriodicRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="việc định kỳ")),
                ("period", models.CharField(max_length=20, verbose_name="kỳ")),
                ("task_result_id", models.CharField(blank=True, max_length=64, verbose_name="mã việc")),
                ("enqueued_at", models.DateTimeField(auto_now_add=True, verbose_name="lúc đưa vào hàng đợi")),
            ],
            options={
                "verbose_name": "lần chạy định kỳ",
                "verbose_name_plural": "các lần chạy định kỳ",
                "ordering": ["-enqueued_at"],
                "constraints": [
                    models.UniqueConstraint(fields=("name", "period"), name="jobs_periodic_run_once_per_period")
                ],
            },
        ),
    ]
