"""Two officers' figures of the same indicator and year saved at the same moment, each in its own
transaction and connection: the nation's sum must count both (found under `make loadtest`)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from indicators import rollups
from indicators.models import Actual, Indicator, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, ReviewStatus, UnitLevel

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
