"""The reporting calendar's work on the job queue (jobs/): the daily refresh of obligations and the
reminders (jobs.schedule runs it every morning)."""

from django.utils import timezone
from django_tasks import task

from reporting import obligations
from reporting.reminders import send_reminders


@task()
def reporting_daily() -> dict:
    """Obligations of this year (and, in January, of the last: its late deadlines fall now) brought
    up to date, then the reminders due today. Safe to run twice: each reminder is made once."""
    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    written = sum(obligations.refresh(year=year, today=today) for year in years)
    sent = send_reminders(today=today)
    return {"today": today.isoformat(), "years": years, "obligations": written, "notifications": sent}
