"""`manage.py run_scheduler`: enqueue the periodic tasks due now (jobs.schedule), each once per period.

Safe to run as often as one likes (systemd timer or cron, every few minutes): a task already
enqueued for its period is not enqueued again.
"""

from django.core.management.base import BaseCommand

from jobs.services import enqueue_due


class Command(BaseCommand):
    help = "Enqueue the periodic tasks that are due (each at most once per period)."

    def handle(self, *args, **options):
        for run in enqueue_due():
            self.stdout.write(f"{run.name} {run.period}: {run.task_result_id}")
