"""The bulk loads that go through common.pg_copy keep NULL and empty text apart, as the ORM would.

The register's upsert, the illustrative figures and the synthetic register write with COPY on
PostgreSQL: a missing value must land as NULL, an empty text as "", and text with a tab or a line
break must not split a row.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from households import synthetic
from households.models import Household, HouseholdReview
from households.recompute import recompute_register
from indicators.models import Actual, ActualSource
from review.models import ReviewStatus
from tests.test_households_register import (  # noqa: F401
    add_household,
    commune_officer,
    merged_commune,
    review,
    standards,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def test_the_registers_upsert_writes_null_and_empty_text_as_the_orm_would(commune_officer):  # noqa: F811
    _commune, legacy = merged_commune()
    poor = add_household(commune_officer, legacy[0], "C-1")
    review(commune_officer, poor, 2025, 1_000_000, ["bhyt", "nha-tieu", "viec-lam"])
    recompute_register(year=2025)
    rate = Actual.objects.get(indicator__code="GN01", unit=poor.commune, year=2025, source=ActualSource.REGISTER)
    assert (rate.value, rate.numerator, rate.denominator) == (None, Decimal(1), Decimal(1))
    assert (rate.review_comment, rate.correction_reason, rate.breakdown) == ("", "", "")
    assert rate.submitted_at is None and rate.status == ReviewStatus.APPROVED and rate.version == 1
    count = Actual.objects.get(indicator__code="GN03", unit=poor.commune, year=2025)
    assert (count.value, count.numerator, count.denominator) == (Decimal(1), None, None)


def test_illustrative_figures_keep_null_and_empty_text_apart(db):
    call_command("generate_illustrative_actuals", "--indicators", "GN01", "--from-year", "2024", "--to-year", "2025",
                 "--no-communes", "--no-task-reports", verbosity=0)
    generated = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE)
    assert generated.exists()
    assert not generated.filter(review_comment__isnull=True).exists() and not generated.exclude(review_comment="").exists()
    submitted = generated.filter(status=ReviewStatus.SUBMITTED)
    assert submitted.exists() and not submitted.filter(reviewed_at__isnull=False).exists()
    assert not generated.filter(status=ReviewStatus.APPROVED, reviewed_at__isnull=True).exists()
    late = generated.filter(is_late_correction=True)
    assert not generated.filter(is_late_correction=False).exclude(correction_reason="").exists()
    assert all(a.correction_reason and a.version == 2 for a in late)


def test_synthetic_households_keep_empty_text_apart_from_null(commune_officer):  # noqa: F811
    commune, legacy = merged_commune()
    slots = [synthetic.Slot(commune_id=commune.pk, commune_code=commune.code, legacy_commune_id=legacy[0].pk, count=5,
                            area="rural", region="DBSCL")]
    result = synthetic.generate(slots, years=[2024, 2025], seed=7)
    assert result.households == 5
    households = Household.objects.filter(is_synthetic=True)
    assert households.count() == 5 and not households.exclude(address="").exists()
    reviews = HouseholdReview.objects.filter(household__in=households)
    assert reviews.count() == 10 and not reviews.exclude(support="").exists() and not reviews.exclude(decision="").exists()
    assert not reviews.filter(support__isnull=True).exists()
    assert not reviews.filter(year=2024).exclude(previous_class="").exists()  # a first review has nothing before it
    assert households.filter(legacy_commune=legacy[0]).count() == 5
