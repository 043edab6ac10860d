"""`python manage.py load_standards [FOLDER] [--update]`: the poverty standards of data/standards/."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from households.standards import STANDARDS_FOLDER, load_standards


class Command(BaseCommand):
    help = "Nạp chuẩn nghèo đa chiều (data/standards/*.csv). Không ghi đè số liệu quản trị viên đã sửa, trừ khi có --update."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(STANDARDS_FOLDER))
        parser.add_argument("--update", action="store_true", help="ghi giá trị trong tệp đè lên cơ sở dữ liệu và phân loại lại")

    def handle(self, *args, folder: str, update: bool, **options):
        try:
            result = load_standards(Path(folder), update=update)
        except (ValidationError, KeyError, ValueError) as error:
            raise CommandError(f"Không nạp được chuẩn nghèo: {error}") from error
        self.stdout.write(
            f"Chuẩn nghèo và chỉ số thiếu hụt: mới {result.created}, cập nhật {result.updated}, không đổi {result.unchanged}; "
            f"phân loại lại {result.reclassified} hộ."
        )
        if result.differences and not update:
            self.stdout.write(f"{len(result.differences)} giá trị khác tệp (giữ nguyên; dùng --update để ghi đè):")
        for line in result.differences[:50]:
            self.stdout.write(f"  {line}")
