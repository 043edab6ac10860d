"""Household register at national scale (PostgreSQL): 3.321 communes, 2.500.000 synthetic households,
two years of reviews.

Builds the synthetic register once (kept in the bench database; rebuilt when its size differs or
with BENCH_HOUSEHOLDS_REBUILD=1), then measures:
- recomputing every commune's figures and the roll-ups (both maps, regions, nation) for one year;
- a commune's household list (its officer, first page and a filtered page), p95;
- a province's register dashboard (a leader, with its Plotly figures), p95.
"""

import os
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench import report, server
from households import synthetic
from households.models import Household, PovertyStandard
from households.recompute import recompute_register
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "2500000"))
YEARS = [2024, 2025]
YEAR = 2025
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def _ensure_base_data() -> None:
    if AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE).count() < 3321:
        call_command("load_units", verbosity=0)
    call_command("load_cascade", verbosity=0)
    if not PovertyStandard.objects.exists():
        call_command("load_standards", verbosity=0)


def _ensure_register() -> None:
    have = Household.objects.filter(is_synthetic=True).count()
    if have == HOUSEHOLDS and not os.environ.get("BENCH_HOUSEHOLDS_REBUILD"):
        print(f"synthetic register present: {_n(have)} households")
        return
    started = time.monotonic()
    slots = synthetic.national_slots(HOUSEHOLDS)
    result = synthetic.generate(slots, years=YEARS, seed=2025)
    seconds = time.monotonic() - started
    print(f"generated {_n(result.households)} households, {_n(result.reviews)} reviews in {seconds:.1f} s "
          f"(deleting the previous ones {result.seconds['delete']:.1f} s)")
    report("households_generate_national", seconds, "s")


def _user(username: str, role: str, unit: AdministrativeUnit):
    user, _ = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, unit=unit, agency=None, role=role)
    return user


def _timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_households needs PostgreSQL (make bench).")
        return
    _ensure_base_data()
    _ensure_register()

    recompute_register(year=YEAR)  # first run writes; the measured run recomputes everything again
    started = time.monotonic()
    result = recompute_register(year=YEAR)
    seconds = time.monotonic() - started
    steps = ", ".join(f"{name} {value:.1f} s" for name, value in result.seconds.items())
    print(f"recompute {YEAR}: {_n(result.households)} households, {_n(result.units)} units ({steps})")
    report("households_recompute_year", seconds, "s")

    rng = random.Random(6)
    communes = list(AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE))
    list_times = []
    for i in range(REQUESTS):
        commune = rng.choice(communes)
        client = Client(HTTP_HOST="127.0.0.1")
        server.log_in(client, _user(f"bench.canbo.{commune.code}", Role.OFFICER, commune))
        query = "" if i % 2 == 0 else "&hang=poor&bien_dong=escaped"
        url = reverse("household_list", args=[commune.pk]) + f"?nam={YEAR}{query}"
        if i == 0:
            client.get(url)  # warm-up
        list_times.append(_timed_get(client, url))
    print(f"commune household list: median {statistics.median(list_times):.0f} ms, p95 {p95(list_times):.0f} ms")
    report("households_commune_list_p95", p95(list_times), "ms")

    provinces = list(AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.PROVINCE))
    leader = _user("bench.lanhdao", Role.LEADER, AdministrativeUnit.objects.get(level=UnitLevel.NATION))
    client = Client(HTTP_HOST="127.0.0.1")
    server.log_in(client, leader)
    client.get(reverse("register_dashboard", args=[provinces[0].pk]) + f"?nam={YEAR}")  # warm-up
    board_times = [
        _timed_get(client, reverse("register_dashboard", args=[rng.choice(provinces).pk]) + f"?nam={YEAR}")
        for _ in range(REQUESTS)
    ]
    print(f"province register dashboard: median {statistics.median(board_times):.0f} ms, p95 {p95(board_times):.0f} ms")
    report("households_province_dashboard_p95", p95(board_times), "ms")
