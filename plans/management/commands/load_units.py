"""`python manage.py load_units`: load (or bring up to date) the whole country map.

A thin wrapper around plans.country_map.load_country_map: the nation, the six socio-economic
regions (data/regions.csv), today's 34-province map (vietnam_provinces), the 63-province map
(vietnamadminunits) and the 1/7/2025 old→new links. Running it again changes nothing.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from plans.country_map import load_country_map
from plans.country_sources import CountryMapError


class Command(BaseCommand):
    help = "Nạp bản đồ hành chính cả nước (34 tỉnh, 63 tỉnh, vùng) và liên kết sắp xếp 1/7/2025 từ các gói dữ liệu."

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = load_country_map()
        except CountryMapError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{result.summary()} ({time.monotonic() - started:.1f} s)")
        if options["verbosity"] >= 2:
            for note in result.notes:
                self.stdout.write(f"  note: {note}")
            for admin_map, code in result.legacy_communes_without_successor:
                self.stdout.write(f"  no successor: commune {code} ({admin_map} tỉnh)")
