"""What the job queue adds to django-tasks-db's own table (DBTaskResult): the periodic runs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One periodic task enqueued for one period: the unique row that makes the scheduler idempotent."""

    name = models.CharField(_("việc định kỳ"), max_length=100)  # jobs.schedule.Periodic.name
    period = models.CharField(_("kỳ"), max_length=20)  # e.g. "2026-12-06" for a nightly task
    task_result_id = models.CharField(_("mã việc"), max_length=64, blank=True)
    enqueued_at = models.DateTimeField(_("lúc đưa vào hàng đợi"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần chạy định kỳ")
        verbose_name_plural = _("các lần chạy định kỳ")
        ordering = ["-enqueued_at"]
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="jobs_periodic_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.name} {self.period}"
