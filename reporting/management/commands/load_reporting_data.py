from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from reporting.regimes_loader import load_regimes


class Command(BaseCommand):
    help = "Nạp ngày nghỉ lễ và các chế độ báo cáo từ data/reporting/ (tạo mới hoặc cập nhật)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "data" / "reporting" / "regimes.csv"))

    def handle(self, *args, **options):
        call_command("load_holidays", verbosity=options["verbosity"])
        try:
            count = load_regimes(Path(options["file"]))
        except (OSError, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        if options["verbosity"]:
            self.stdout.write(f"Đã nạp {count} chế độ báo cáo.")
