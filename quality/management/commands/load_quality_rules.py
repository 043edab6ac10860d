from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from quality.rules_loader import load_rules


class Command(BaseCommand):
    help = "Nạp các quy tắc chất lượng số liệu từ data/quality_rules.csv (tạo mới hoặc cập nhật theo mã)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "data" / "quality_rules.csv"))

    def handle(self, *args, **options):
        try:
            count = load_rules(Path(options["file"]))
        except (OSError, ValidationError) as error:
            raise CommandError(str(error)) from None
        if options["verbosity"]:
            self.stdout.write(f"Đã nạp {count} quy tắc chất lượng số liệu.")
