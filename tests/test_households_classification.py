"""Classification from the standard in force for the year and area, at every boundary, for both standards."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from households.classification import ClassificationError, Thresholds, classify, history, thresholds
from households.models import Area, LivingClass, Movement, PovertyStandard
from households.standards import standard_for

POOR, NEAR, MIDDLE, NOT_POOR = LivingClass.POOR, LivingClass.NEAR_POOR, LivingClass.MIDDLE, LivingClass.NOT_POOR


@pytest.fixture
def standards(db):
    call_command("load_standards", verbosity=0)
    return {s.code: s for s in PovertyStandard.objects.all()}


def test_the_standard_in_force_follows_the_year(standards):
    assert [standard_for(year).code for year in (2022, 2025, 2026, 2027, 2030)] == [
        "nd-07-2021", "nd-07-2021", "nd-07-2021", "nd-351-2025", "nd-351-2025",
    ]
    with pytest.raises(ValidationError):
        standard_for(2021)
    with pytest.raises(ValidationError):
        standard_for(2031)


def test_standards_are_loaded_as_data_with_unconfirmed_items_marked(standards):
    nd07, nd351 = standards["nd-07-2021"], standards["nd-351-2025"]
    assert (nd07.poverty_income_rural, nd07.poverty_income_urban) == (1_500_000, 2_000_000)
    assert (nd07.middle_income_rural, nd07.middle_income_urban) == (2_250_000, 3_000_000)
    assert (nd351.poverty_income_rural, nd351.poverty_income_urban) == (2_200_000, 2_800_000)
    assert nd351.middle_income_rural is None and not nd351.confirmed
    assert nd07.indicators.count() == 12 and sorted(set(nd07.indicators.values_list("dimension", flat=True))) == [
        "Giáo dục", "Nhà ở", "Nước sinh hoạt và vệ sinh", "Thông tin", "Việc làm", "Y tế",
    ]
    codes351 = set(nd351.indicators.values_list("code", flat=True))
    assert "phuong-tien-thong-tin" not in codes351 and {"rac-thai", "dich-vu-so"} <= codes351
    assert not nd351.indicators.filter(confirmed=True).exists()


# (year, area, income, deprivations) -> class: each line sits on or just past a boundary.
BOUNDARIES = [
    # NĐ 07/2021, rural: line 1.500.000, middle up to 2.250.000
    (2024, Area.RURAL, 1_500_000, 3, POOR),
    (2024, Area.RURAL, 1_500_000, 2, NEAR),
    (2024, Area.RURAL, 1_500_001, 3, MIDDLE),
    (2024, Area.RURAL, 2_250_000, 6, MIDDLE),
    (2024, Area.RURAL, 2_250_001, 0, NOT_POOR),
    (2024, Area.RURAL, 0, 0, NEAR),
    # NĐ 07/2021, urban: line 2.000.000, middle up to 3.000.000
    (2024, Area.URBAN, 2_000_000, 3, POOR),
    (2024, Area.URBAN, 2_000_000, 2, NEAR),
    (2024, Area.URBAN, 2_000_001, 5, MIDDLE),
    (2024, Area.URBAN, 3_000_000, 0, MIDDLE),
    (2024, Area.URBAN, 3_000_001, 0, NOT_POOR),
    (2024, Area.URBAN, 1_500_001, 3, POOR),  # poor in town, not in the countryside
    # 2026 still NĐ 07 (per NĐ 351/2025)
    (2026, Area.RURAL, 1_500_001, 3, MIDDLE),
    (2026, Area.URBAN, 2_000_000, 3, POOR),
    # NĐ 351/2025 from 2027, rural: line 2.200.000; no middle band in the data (unconfirmed)
    (2027, Area.RURAL, 2_200_000, 3, POOR),
    (2027, Area.RURAL, 2_200_000, 2, NEAR),
    (2027, Area.RURAL, 2_200_001, 3, NOT_POOR),
    (2027, Area.RURAL, 1_500_001, 3, POOR),  # middle under NĐ 07, poor under NĐ 351
    # NĐ 351/2025, urban: line 2.800.000
    (2030, Area.URBAN, 2_800_000, 3, POOR),
    (2030, Area.URBAN, 2_800_000, 2, NEAR),
    (2030, Area.URBAN, 2_800_001, 0, NOT_POOR),
]


@pytest.mark.parametrize("year, area, income, deprivations, expected", BOUNDARIES)
def test_classification_at_the_boundaries(standards, year, area, income, deprivations, expected):
    limits = thresholds(standard_for(year), area)
    assert classify(limits, income=income, score_a=None, deprivations=deprivations) == expected


@pytest.mark.parametrize("area, score, deprivations, expected", [
    (Area.RURAL, 140, 3, POOR), (Area.RURAL, 140, 2, NEAR), (Area.RURAL, 141, 3, NOT_POOR),
    (Area.URBAN, 175, 3, POOR), (Area.URBAN, 176, 3, NOT_POOR), (Area.URBAN, 150, 0, NEAR),
])
def test_score_a_reads_against_the_area_cutoff(standards, area, score, deprivations, expected):
    limits = thresholds(standards["nd-07-2021"], area)
    assert classify(limits, income=None, score_a=score, deprivations=deprivations) == expected


def test_income_wins_over_score_and_a_standard_without_score_cutoffs_refuses_a_score(standards):
    limits = thresholds(standards["nd-07-2021"], Area.RURAL)
    assert classify(limits, income=2_000_000, score_a=100, deprivations=4) == MIDDLE
    with pytest.raises(ClassificationError, match="điểm A"):
        classify(thresholds(standards["nd-351-2025"], Area.RURAL), income=None, score_a=100, deprivations=4)
    with pytest.raises(ClassificationError):
        classify(limits, income=None, score_a=None, deprivations=0)


def test_a_corrected_deprivation_rule_changes_the_boundary():
    limits = Thresholds(poverty_income=1000, middle_income=None, min_deprivations=4, score_cutoff=None)
    assert classify(limits, income=1000, score_a=None, deprivations=3) == NEAR
    assert classify(limits, income=1000, score_a=None, deprivations=4) == POOR


@pytest.mark.parametrize("classes, expected", [
    ([(2022, POOR), (2023, NEAR)], ["", Movement.ESCAPED]),
    ([(2022, NOT_POOR), (2023, POOR)], ["", Movement.NEW_POOR]),
    ([(2023, POOR)], [""]),  # a first review has nothing to compare with
    ([(2022, POOR), (2023, MIDDLE), (2024, POOR)], ["", Movement.ESCAPED, Movement.FALLEN_BACK]),
    ([(2022, POOR), (2023, POOR), (2024, NOT_POOR), (2025, NEAR), (2026, POOR)],
     ["", "", Movement.ESCAPED, "", Movement.FALLEN_BACK]),
    ([(2022, NEAR), (2023, MIDDLE), (2024, NEAR)], ["", "", ""]),
    ([(2024, POOR), (2022, NOT_POOR)], ["", Movement.NEW_POOR]),  # order of input does not matter
])
def test_movement_between_reviews(classes, expected):
    assert [move for _year, _previous, move in history(classes)] == expected
