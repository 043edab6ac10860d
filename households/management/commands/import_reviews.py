"""`python manage.py import_reviews FILE --user USERNAME [--dry-run]`: a review list, outside the request.

The same pipeline as the upload page (households.resources): all or nothing, errors by row, and
the user's rights decide which communes' rows may be imported (a whole province's list: an admin).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from households.resources import import_review_list, read_file


class Command(BaseCommand):
    help = "Nhập danh sách rà soát (.xlsx hoặc .csv): tất cả hoặc không gì cả, báo lỗi theo dòng."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="tên đăng nhập của người nhập (quyền theo địa bàn)")
        parser.add_argument("--dry-run", action="store_true", help="kiểm tra và đếm, không ghi")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"Không có người dùng “{user}”.") from None
        path = Path(file)
        try:
            with path.open("rb") as handle:
                dataset = read_file(File(handle, name=path.name))
        except (OSError, ValidationError) as error:
            raise CommandError(f"Không đọc được {path}: {error}") from error
        result = import_review_list(dataset, user=account, dry_run=dry_run)
        for error in result.errors[:100]:
            self.stderr.write(f"Dòng {error.row}: {error.message}")
        if result.has_errors:
            raise CommandError(f"{len(result.errors)} lỗi; không ghi gì.")
        verb = "Sẽ nhập" if dry_run else "Đã nhập"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {result.new} kết quả mới, cập nhật {result.updated}, {result.households} hộ; "
            f"chạy recompute_register {' '.join(map(str, sorted(result.years)))} để cập nhật số liệu."
        ))
