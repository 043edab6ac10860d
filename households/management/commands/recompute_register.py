"""`python manage.py recompute_register YEAR [YEAR ...]`: the register's figures and actuals of those years."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from households.recompute import recompute_register


class Command(BaseCommand):
    help = "Tính lại số liệu sổ hộ (xã, huyện, tỉnh, vùng, cả nước; hai bản đồ) và số liệu chỉ số nguồn sổ hộ."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, years: list[int], **options):
        for year in years:
            try:
                result = recompute_register(year=year)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(
                f"{year}: {result.households} hộ, {result.units} địa bàn; số liệu chỉ số: mới {result.actuals_created}, "
                f"cập nhật {result.actuals_updated}, không đổi {result.actuals_unchanged}, xóa {result.actuals_deleted}, "
                f"giữ số liệu nhập tay {result.actuals_kept} ({result.seconds['total']:.1f} s)"
            )
