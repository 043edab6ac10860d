"""Loads the public holidays, days off in exchange and Saturdays worked from a CSV file (columns
date, kind, name, source), by date: a new date is added, a known one updated; days in the database
that the file does not list are left alone. Running it again changes nothing.

data/reporting/holidays.csv lists, for 2021–2030: every day of each Tết Nguyên đán break, the
other holidays of Bộ luật Lao động 2019 Điều 112 (also when they fall on a weekend), the days off
in compensation (nghỉ bù) or in exchange (hoán đổi) and the Saturdays worked in exchange.
Years without an announced schedule carry the statutory days, marked as such in `source`.
"""

import csv
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reporting.models import CalendarDay, DayKind

COLUMNS = ["date", "kind", "name", "source"]


def read_rows(path: Path) -> dict[date, dict]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        if reader.fieldnames != COLUMNS:
            raise CommandError(f"{path}: cần đúng các cột {', '.join(COLUMNS)}.")
        rows = {}
        for line, row in enumerate(reader, start=2):
            try:
                day = date.fromisoformat(row["date"])
            except ValueError:
                raise CommandError(f"{path}, dòng {line}: ngày “{row['date']}” không đúng dạng YYYY-MM-DD.") from None
            if row["kind"] not in DayKind.values:
                raise CommandError(f"{path}, dòng {line}: loại ngày “{row['kind']}” phải là off hoặc workday.")
            if not row["name"].strip():
                raise CommandError(f"{path}, dòng {line}: thiếu tên ngày.")
            if day in rows:
                raise CommandError(f"{path}, dòng {line}: ngày {day:%d/%m/%Y} đã có ở dòng trên.")
            rows[day] = {"kind": row["kind"], "name": row["name"].strip(), "source": row["source"].strip()}
    return rows


class Command(BaseCommand):
    help = ("Nạp ngày nghỉ lễ, ngày nghỉ bù và ngày làm bù từ data/reporting/holidays.csv "
            "(thêm mới hoặc cập nhật theo ngày).")

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.BASE_DIR) / "data" / "reporting" / "holidays.csv"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            rows = read_rows(path)
        except OSError as error:
            raise CommandError(str(error)) from None
        known = {day.date: day for day in CalendarDay.objects.filter(date__in=rows)}
        created = updated = 0
        with transaction.atomic():
            for day, values in rows.items():
                existing = known.get(day)
                if existing and all(getattr(existing, field) == value for field, value in values.items()):
                    continue
                _, was_created = CalendarDay.objects.update_or_create(date=day, defaults=values)
                created += was_created
                updated += not was_created
        if options["verbosity"]:
            self.stdout.write(f"Đã nạp {len(rows)} ngày từ {path.name}: {created} thêm mới, {updated} cập nhật, "
                              f"{len(rows) - created - updated} không đổi.")
