from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting.obligations import refresh


class Command(BaseCommand):
    help = "Tính lại các nghĩa vụ báo cáo (theo chế độ báo cáo, đơn vị và kỳ) của một hoặc nhiều năm."

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument("--year", type=int, action="append", help=f"Năm (mặc định {this_year - 1} và {this_year}).")

    def handle(self, *args, **options):
        this_year = timezone.localdate().year
        for year in options["year"] or [this_year - 1, this_year]:
            written = refresh(year=year)
            if options["verbosity"]:
                self.stdout.write(f"Năm {year}: {written} nghĩa vụ báo cáo được tạo hoặc cập nhật.")
