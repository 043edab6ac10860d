"""Two officers' figures of the same indicator and year saved at the same moment, each in its own
transaction and connection: the nation's sum must count both (found under `make loadtest`)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from indicators import rollups
from indicators.models import Actual, Indicator, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from review.models import ReviewStatus

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions")
YEAR = 2025


def _save(actual_id: int, value: int, started: threading.Event, hold: float, errors: list) -> None:
    try:
        with transaction.atomic():
            actual = Actual.objects.get(pk=actual_id)
            actual.value = Decimal(value)
            actual.save()  # the signal refreshes the dashboards' rows in this transaction
            started.set()
            time.sleep(hold)  # still uncommitted while the other officer saves
    except Exception as error:  # noqa: BLE001 (reported by the test)
        errors.append(error)
    finally:
        connections.close_all()


def test_concurrent_saves_of_one_indicator_and_year_are_all_counted_above(committed_country):
    indicator = Indicator.objects.get(code="HN02")  # near-poor households: a sum
    provinces = list(AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.PROVINCE).order_by("code"))
    Actual.objects.bulk_create([
        Actual(indicator=indicator, unit=province, year=YEAR, status=ReviewStatus.APPROVED, value=Decimal(100))
        for province in provinces
    ])
    rollups.refresh_yearly_values(indicator_ids=[indicator.pk])
    nation = YearlyValue.objects.get(indicator=indicator, unit__level=UnitLevel.NATION, year=YEAR)
    assert nation.value == 100 * len(provinces)
    first, second = Actual.objects.filter(indicator=indicator, unit__in=provinces[:2]).order_by("unit__code")

    errors: list = []
    first_saved, second_saved = threading.Event(), threading.Event()
    one = threading.Thread(target=_save, args=(first.pk, 150, first_saved, 1.0, errors))
    two = threading.Thread(target=_save, args=(second.pk, 170, second_saved, 0, errors))
    one.start()
    assert first_saved.wait(30)
    two.start()
    one.join(60)
    two.join(60)

    assert errors == []
    nation = YearlyValue.objects.get(indicator=indicator, unit__level=UnitLevel.NATION, year=YEAR)
    assert nation.value == 100 * len(provinces) + 50 + 70


def _hold_a_draft(user_id: int, indicator_id: int, unit_id: int, saved: threading.Event, release: threading.Event,
                  errors: list) -> None:
    from django.contrib.auth import get_user_model

    from indicators import services

    try:
        with transaction.atomic():
            services.save_actual(user=get_user_model().objects.get(pk=user_id), indicator=Indicator.objects.get(pk=indicator_id),
                                 unit=AdministrativeUnit.objects.get(pk=unit_id), year=YEAR, value=Decimal(3), expected_version=1)
            saved.set()
            release.wait(30)
    except Exception as error:  # noqa: BLE001 (reported by the test)
        errors.append(error)
    finally:
        connections.close_all()


def test_a_save_locks_its_own_figure_not_the_indicator_or_the_place(committed_country):
    """Figures are ordered by indicator and unit: a plain FOR UPDATE also locked those rows, so every
    save of an indicator waited for the others, and deadlocked with the roll-up's turn-taking."""
    from indicators import services
    from plans.models import Role
    from tests.conftest import make_user

    officer = make_user("canbo.dongthoi", Role.OFFICER, ("92", AdminMap.CURRENT))
    indicator = Indicator.objects.get(code="HN02")
    first_commune, second_commune = AdministrativeUnit.objects.get(code="92", admin_map=AdminMap.CURRENT).children.order_by("code")[:2]
    for commune in (first_commune, second_commune):  # saved once: a save again finds and locks it
        services.save_actual(user=officer, indicator=indicator, unit=commune, year=YEAR, value=Decimal(2))
    saved, release, errors = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=_hold_a_draft, args=(officer.pk, indicator.pk, first_commune.pk, saved, release, errors))
    holder.start()
    try:
        assert saved.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting on the other save fails here
            services.save_actual(user=officer, indicator=indicator, unit=second_commune, year=YEAR, value=Decimal(4),
                                 expected_version=1)
    finally:
        release.set()
        holder.join(60)
    assert errors == []
    assert sorted(Actual.objects.filter(indicator=indicator, year=YEAR).values_list("value", flat=True)) == [3, 4]
