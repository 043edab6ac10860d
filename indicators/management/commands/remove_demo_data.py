"""`python manage.py remove_demo_data`: remove the demo's illustrative and synthetic figures.

    remove_demo_data --units 92@34 --illustrative            # Cần Thơ today and the provinces merged into it
    remove_demo_data --units 93@63 --years 2023 2024 --synthetic
    remove_demo_data --all --dry-run                         # every illustrative and synthetic figure: counts only
"""

import time

from django.core.management.base import BaseCommand, CommandError

from indicators.demo_data import UnitNotFound, parse_unit, remove_demo_data


class Command(BaseCommand):
    help = (
        "Xóa số liệu minh họa và/hoặc số liệu sổ hộ giả lập của các địa bàn (cả cấp dưới, trên cả hai bản đồ) "
        "và các năm đã chọn, hoặc toàn bộ; số liệu thật giữ nguyên. Xóa theo lô rồi tính lại bảng số liệu năm một lần."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", nargs="+", default=[], metavar="MÃ@BẢN_ĐỒ", help="ví dụ 92@34 93@63 (mặc định: mọi địa bàn)")
        parser.add_argument("--years", nargs="+", type=int, default=[], metavar="NĂM", help="mặc định: mọi năm")
        parser.add_argument("--illustrative", action="store_true", help="số liệu minh họa")
        parser.add_argument("--synthetic", action="store_true", help="sổ hộ giả lập và số liệu tính từ nó")
        parser.add_argument("--all", action="store_true", help="cả số liệu minh họa và giả lập")
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không xóa")

    def handle(self, *args, units, years, illustrative, synthetic, all, dry_run, **options):
        if all:
            illustrative = synthetic = True
        if not (illustrative or synthetic):
            raise CommandError("Chọn --illustrative, --synthetic hoặc --all.")
        try:
            chosen = [parse_unit(reference) for reference in units]
        except UnitNotFound as error:
            raise CommandError(str(error)) from None
        started = time.perf_counter()
        result = remove_demo_data(units=chosen, years=years or None, illustrative=illustrative, synthetic=synthetic,
                                  dry_run=dry_run)
        where = ", ".join(f"{u.name} ({u.code}@{u.admin_map})" if u.admin_map else u.name for u in chosen) or "mọi địa bàn"
        when = ", ".join(map(str, sorted(set(years)))) if years else "mọi năm"
        verb = "Sẽ xóa" if dry_run else "Đã xóa"
        self.stdout.write(
            f"{verb} ở {where}, {when}: {result.illustrative} số liệu minh họa, {result.synthetic} số liệu giả lập, "
            f"{result.households} hộ giả lập ({result.reviews} lượt rà soát), {result.evidence} minh chứng."
        )
        if not dry_run:
            self.stdout.write(
                f"Đã tính lại {result.yearly_values} dòng số liệu năm"
                f"{' (' + ', '.join(map(str, result.years)) + ')' if result.years else ''}; "
                f"{time.perf_counter() - started:.1f} giây."
            )
