from pathlib import Path

import tablib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import read_csv_folder
from exchange.workbook.sheets import SHEET_TITLES

DEFAULT_FOLDER = settings.BASE_DIR / "data" / "cascade"
# The dimension catalogue (sheet "Chiều phân tổ"), loaded with any folder that has none of its own.
DIMENSIONS_CSV = settings.BASE_DIR / "data" / "dimensions.csv"


class Command(BaseCommand):
    help = "Load the seed cascade (documents, agencies, tasks, indicators, targets) from data/cascade/*.csv."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER), help="folder of the sheet CSVs")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, folder: str, dry_run: bool, **options):
        sheets = read_csv_folder(Path(folder))
        if not sheets:
            raise CommandError(f"Không tìm thấy tệp CSV nào trong {folder}.")
        if "dimensions" not in sheets and DIMENSIONS_CSV.exists():
            sheets["dimensions"] = tablib.Dataset().load(DIMENSIONS_CSV.read_text(encoding="utf-8"), format="csv")
        result = import_workbook(sheets, dry_run=dry_run)
        for name, totals in result.totals.items():
            self.stdout.write(
                f"{SHEET_TITLES[name]:<16} mới {totals.new:>4}  cập nhật {totals.update:>4}  "
                f"không đổi {totals.skip:>4}  lỗi {totals.error:>4}"
            )
        if result.has_errors:
            for error in result.errors[:50]:
                self.stderr.write(f"{SHEET_TITLES[error.sheet]}, dòng {error.row}: {error.message}")
            raise CommandError(f"{len(result.errors)} lỗi; không ghi gì vào cơ sở dữ liệu.")
        verb = "Sẽ thay đổi" if dry_run else "Đã thay đổi"
        self.stdout.write(self.style.SUCCESS(f"{verb} {result.changed} dòng."))
