"""What must never be false is refused by the database itself, whatever the code path."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Actual, ChangeDirection, Indicator, MeasureUnit, PeriodKind, Target, TargetKind
from plans.models import (
    AdministrativeUnit,
    AdminMap,
    Agency,
    AgencySuccession,
    Document,
    DocumentBasis,
    DocumentKind,
    Task,
    UnitLevel,
    UnitSuccession,
)
from plans.services import add_basis
from tests.conftest import document, unit


def refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def kh18(db):
    return document("18/KH-UBND", "hg-ubnd")


@pytest.fixture
def poverty_rate(db):
    return Indicator.objects.get(code="GN01")


def target_kwargs(kh18, poverty_rate, **overrides):
    values = dict(
        document=kh18, code="T.1", indicator=poverty_rate, territory=unit("93"), kind=TargetKind.LEVEL,
        max_value=Decimal("2"), unit=MeasureUnit.PERCENT, end_year=2025, source_quote="trích dẫn",
    )
    values.update(overrides)
    return values


def test_a_valid_target_is_accepted(kh18, poverty_rate):
    Target.objects.create(**target_kwargs(kh18, poverty_rate))


@pytest.mark.parametrize(
    "overrides",
    [
        {"min_value": Decimal("3"), "max_value": Decimal("2")},  # range upside down
        {"max_value": None},  # no bound on a non-comparison kind
        {"kind": TargetKind.AVERAGE_CHANGE, "start_year": 2021},  # change kind without a direction
        {"change_direction": ChangeDirection.DECREASE},  # direction on a level target
        {"start_year": 2026, "end_year": 2025},
        {"kind": TargetKind.RELATIVE_CHANGE, "change_direction": ChangeDirection.DECREASE, "start_year": 2021},
        {"kind": TargetKind.CUMULATIVE, "min_value": Decimal("100"), "max_value": None},  # no start year
    ],
)
def test_incoherent_targets_are_refused(kh18, poverty_rate, overrides):
    refused(lambda: Target.objects.create(**target_kwargs(kh18, poverty_rate, **overrides)))


def test_target_codes_are_unique_within_a_document(kh18, poverty_rate):
    refused(lambda: Target.objects.create(**target_kwargs(kh18, poverty_rate, code="II.2.a.1")))


def actual_kwargs(poverty_rate, **overrides):
    values = dict(indicator=poverty_rate, unit=unit("93"), year=2023, value=Decimal("2.1"))
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    "overrides",
    [
        {"period_kind": PeriodKind.YEAR, "period_number": 1},
        {"period_kind": PeriodKind.HALF, "period_number": 3},
        {"period_kind": PeriodKind.QUARTER, "period_number": 0},
        {"value": None},
        {"value": None, "numerator": Decimal("5"), "denominator": Decimal("0")},
        {"value": None, "numerator": Decimal("12"), "denominator": Decimal("10")},
        {"value": None, "numerator": Decimal("-1"), "denominator": Decimal("10")},
    ],
)
def test_incoherent_actuals_are_refused(poverty_rate, overrides):
    refused(lambda: Actual.objects.create(**actual_kwargs(poverty_rate, **overrides)))


def test_one_actual_per_indicator_unit_and_period(poverty_rate):
    Actual.objects.create(**actual_kwargs(poverty_rate))
    refused(lambda: Actual.objects.create(**actual_kwargs(poverty_rate, value=Decimal("2.2"))))


def test_a_rate_from_numerator_and_denominator_is_in_percent(poverty_rate):
    actual = Actual.objects.create(**actual_kwargs(poverty_rate, value=None, numerator=Decimal("23"), denominator=Decimal("1250")))
    assert actual.effective_value == Decimal("1.8400")


def test_units_codes_are_unique_within_a_map_but_may_repeat_across_maps(db):
    assert unit("92", AdminMap.LEGACY).name != "" and unit("92", AdminMap.CURRENT).name != ""
    refused(lambda: AdministrativeUnit.objects.create(
        code="93", name="Trùng mã", level=UnitLevel.PROVINCE, admin_map=AdminMap.LEGACY, parent=unit("VN", "")))


@pytest.mark.parametrize(
    "fields",
    [
        {"level": UnitLevel.DISTRICT, "admin_map": AdminMap.CURRENT},  # no districts after 1/7/2025
        {"level": UnitLevel.PROVINCE, "admin_map": AdminMap.STATISTICAL},  # provinces belong to a map
        {"level": UnitLevel.PROVINCE, "admin_map": AdminMap.LEGACY, "parent": None},
        {"level": UnitLevel.PROVINCE, "admin_map": AdminMap.LEGACY, "valid_from": date(2025, 7, 1), "valid_to": date(2025, 6, 30)},
    ],
)
def test_impossible_units_are_refused(db, fields):
    values = {"code": "999", "name": "Thử", "parent": unit("VN", "")}
    values.update(fields)
    refused(lambda: AdministrativeUnit.objects.create(**values))


def test_a_unit_cannot_succeed_itself_nor_pass_more_than_all_of_itself(db):
    hau_giang = unit("93")
    refused(lambda: UnitSuccession.objects.create(predecessor=hau_giang, successor=hau_giang, effective_on=date(2025, 7, 1)))
    refused(lambda: UnitSuccession.objects.create(
        predecessor=hau_giang, successor=unit("01", AdminMap.CURRENT), effective_on=date(2025, 7, 1), share=Decimal("1.5")))


def test_an_agency_cannot_succeed_itself(db):
    agency = Agency.objects.get(code="hg-ubnd")
    refused(lambda: AgencySuccession.objects.create(predecessor=agency, successor=agency, effective_on=date(2025, 7, 1)))


def test_document_numbers_are_unique_per_issuer(kh18):
    refused(lambda: Document.objects.create(
        number="18/KH-UBND", kind=DocumentKind.PLAN, title="Trùng", issuer=kh18.issuer, territory=kh18.territory))


def test_a_document_is_not_its_own_basis(kh18):
    refused(lambda: DocumentBasis.objects.create(document=kh18, basis=kh18))


def test_the_cascade_stays_acyclic(kh18):
    directive = document("05-CT/TW", "tw-bbt")
    with pytest.raises(ValidationError, match="căn cứ"):
        add_basis(document=directive, basis=kh18)  # CT 05 would rest on a plan that rests on it
    assert not DocumentBasis.objects.filter(document=directive, basis=kh18).exists()


def test_task_numbers_are_unique_within_a_document(kh18):
    number = kh18.tasks.first().number
    refused(lambda: Task.objects.create(document=kh18, number=number, title="Trùng"))
