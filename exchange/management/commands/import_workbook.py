"""`manage.py import_workbook FILE [--dry-run]`: the operator's twin of the upload page.

FILE is a plan workbook (.xlsx), one sheet as CSV (named by the sheet: actuals.csv,
"Số liệu thực hiện.csv"...), a .zip of sheet CSVs, or a folder of sheet CSVs.
`--record ID --phase check|apply` runs an uploaded file's task (exchange.tasks) in this process,
as a `db_worker` would.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exchange import tasks
from exchange.models import ImportRecord, ImportStatus
from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import Workbook, WorkbookRefused, file_checksum, read_csv_folder, read_upload
from exchange.workbook.sheets import SHEET_TITLES


class Command(BaseCommand):
    help = "Import a plan workbook (.xlsx), sheet CSVs or a folder of them: all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=".xlsx, .csv, .zip of CSVs, or a folder of sheet CSVs")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--record", type=int, help="(worker) the ImportRecord of an uploaded file")
        parser.add_argument("--phase", choices=["check", "apply"], default="check", help="(worker) what to do")

    def handle(self, *args, file: str | None, dry_run: bool, record: int | None, phase: str, **options):
        if record is not None:
            return self._work(record, phase)
        if not file:
            raise CommandError("Cho biết tệp cần nhập (hoặc --record cho tiến trình nền).")
        path = Path(file)
        if not path.exists():
            raise CommandError(f"Không có tệp {file}.")
        try:
            workbook = Workbook(sheets=read_csv_folder(path)) if path.is_dir() else read_upload(path, path.name)
        except WorkbookRefused as refusal:
            raise CommandError(str(refusal)) from None
        if not workbook.sheets and not workbook.problems:
            raise CommandError("Không tìm thấy sheet nào của bảng tính kế hoạch.")
        show_progress = workbook.rows_total > 20_000 and options["verbosity"] > 0
        result = import_workbook(
            workbook.sheets, dry_run=dry_run, problems=workbook.problems,
            progress=self._progress if show_progress else None, reason=f"Nhập từ tệp {path.name}",
        )
        for name, totals in result.totals.items():
            self.stdout.write(
                f"{SHEET_TITLES[name]:<18} mới {totals.new:>7}  cập nhật {totals.update:>7}  "
                f"không đổi {totals.skip:>7}  sai {totals.error:>7}"
            )
        if result.has_errors:
            for error in result.errors[:50]:
                self.stderr.write(f"{SHEET_TITLES.get(error.sheet, error.sheet)}, dòng {error.row}: {error.message}")
            raise CommandError(f"{result.error_count} lỗi; không ghi gì vào cơ sở dữ liệu.")
        if not dry_run and not path.is_dir():
            ImportRecord.objects.create(
                file_name=path.name[:255], checksum=file_checksum(path), size=path.stat().st_size,
                status=ImportStatus.APPLIED, rows_total=workbook.rows_total, rows_done=workbook.rows_total,
                counts={name: totals.as_dict() for name, totals in result.totals.items()},
                applied_at=timezone.now(),
            )
        verb = "Sẽ thay đổi" if dry_run else "Đã thay đổi"
        self.stdout.write(self.style.SUCCESS(f"{verb} {result.changed} dòng."))

    def _progress(self, done: int, total: int) -> None:
        sys.stderr.write(f"\r{done:>9} / {total} dòng")
        if done >= total:
            sys.stderr.write("\n")

    def _work(self, record_id: int, phase: str) -> None:
        ImportRecord.objects.get(pk=record_id)
        (tasks.check_import if phase == "check" else tasks.apply_import).call(record_id)
