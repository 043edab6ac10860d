"""`manage.py export KIND [--format xlsx|csv] [--user NAME] [-o FILE]`: the lists as files.

KIND is documents, tasks, targets or actuals, or `template` for the empty plan workbook.
With --user the list is limited to what that user may see (plans.access.scope), as on the page.
The page builds an .xlsx only up to EXPORT_XLSX_MAX_ROWS rows; this command has no such limit.
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from common.spreadsheets import write_xlsx
from exchange.exports import EXPORTS, FORMATS, export_rows, write_csv
from exchange.workbook.template import build_template


class Command(BaseCommand):
    help = "Export a list (documents, tasks, targets, actuals) as .xlsx or .csv, or the workbook template."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*EXPORTS, "template"])
        parser.add_argument("--format", choices=FORMATS, default="xlsx", dest="file_format")
        parser.add_argument("--user", help="limit to what this user may see")
        parser.add_argument("-o", "--output", help="file to write (default: KIND.FORMAT; '-' for CSV on stdout)")

    def handle(self, *args, kind: str, file_format: str, user: str | None, output: str | None, **options):
        if kind == "template":
            target = output or "mau-bang-tinh-ke-hoach.xlsx"
            build_template(target)
            self.stdout.write(f"Đã ghi {target}.")
            return
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"Không có người dùng “{user}”.") from None
        headers, rows = export_rows(kind, account, numbers=file_format == "xlsx")
        target = output or f"{kind}.{file_format}"
        if file_format == "csv":
            stream = sys.stdout if target == "-" else Path(target).open("w", encoding="utf-8", newline="")
            try:
                for chunk in write_csv(headers, rows):
                    stream.write(chunk)
            finally:
                if stream is not sys.stdout:
                    stream.close()
        else:
            write_xlsx([(EXPORTS[kind].title, headers, rows)], target)
        if target != "-":
            self.stdout.write(f"Đã ghi {target}.")
