from django.core.management.base import BaseCommand

from accounts.services import deactivate_idle_accounts


class Command(BaseCommand):
    help = "Deactivate the accounts not used for --days days (90) and e-mail each owner. Run nightly."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options):
        users = deactivate_idle_accounts(days=days)
        for user in users:
            self.stdout.write(f"Đã khóa {user.username}")
        self.stdout.write(f"{len(users)} tài khoản không dùng {days} ngày đã bị khóa.")
