import time

from django.core.management.base import BaseCommand, CommandError

from indicators import rollups
from indicators.models import Indicator


class Command(BaseCommand):
    help = (
        "Tính lại bảng số liệu năm tổng hợp mà bảng điều khiển đọc (số liệu đã duyệt và phần cộng dồn lên tỉnh, "
        "vùng, cả nước). Cần chạy sau khi ghi hàng loạt số liệu không qua giao diện."
    )

    def add_arguments(self, parser):
        parser.add_argument("--indicators", default="", help="mã chỉ số, cách nhau bởi dấu phẩy (mặc định: tất cả)")
        parser.add_argument("--years", default="", help="các năm, cách nhau bởi dấu phẩy (mặc định: tất cả)")

    def handle(self, *args, indicators: str, years: str, **options):
        codes = [c.strip() for c in indicators.split(",") if c.strip()]
        indicator_ids = None
        if codes:
            found = dict(Indicator.objects.filter(code__in=codes).values_list("code", "pk"))
            missing = sorted(set(codes) - set(found))
            if missing:
                raise CommandError(f"Không có chỉ số: {', '.join(missing)}.")
            indicator_ids = list(found.values())
        try:
            year_list = [int(y) for y in years.split(",") if y.strip()] or None
        except ValueError:
            raise CommandError("--years: ghi các năm bằng số, ví dụ 2024,2025.") from None
        started = time.perf_counter()
        rows = rollups.refresh_yearly_values(indicator_ids=indicator_ids, years=year_list)
        self.stdout.write(f"Đã tính lại {rows} dòng số liệu năm tổng hợp ({time.perf_counter() - started:.1f} giây).")
