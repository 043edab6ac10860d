"""indicators.evaluation: is a target met? Every kind, qualifier, direction and gap, case by case.

Most cases build unsaved Target instances (no database); the seed targets are read where they read
well (the Bắc Giang 1,5–1,7 points a year, Huế's 1,84% at the end of 2025, Hậu Giang's 75.000 jobs,
A Lưới's exit from the poor districts by the end of 2023).
"""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators.evaluation import Evaluation
from indicators.evaluation import EvaluationStatus as S
from indicators.evaluation import evaluate, project, yearly_values
from indicators.models import (
    Actual,
    ChangeDirection,
    Direction,
    Indicator,
    MeasureUnit,
    PeriodKind,
    Target,
    TargetKind,
)
from review.models import ReviewStatus

LOWER = Direction.LOWER_IS_BETTER
HIGHER = Direction.HIGHER_IS_BETTER
DECREASE = ChangeDirection.DECREASE
INCREASE = ChangeDirection.INCREASE


def make(
    kind,
    *,
    direction=LOWER,
    value_unit=MeasureUnit.PERCENT,
    unit=MeasureUnit.PERCENT,
    low=None,
    high=None,
    start=None,
    end=2025,
    due=None,
    baseline=None,
    baseline_year=None,
    qualifier="",
    change="",
):
    """An unsaved target on an unsaved indicator: nothing touches the database."""
    indicator = Indicator(code="T01", name="Chỉ số thử", measure_unit=value_unit, direction=direction)
    return Target(
        code="T", indicator=indicator, kind=kind, change_direction=change,
        min_value=None if low is None else D(str(low)), max_value=None if high is None else D(str(high)),
        unit=unit, start_year=start, end_year=end, due_on=due,
        baseline_value=None if baseline is None else D(str(baseline)), baseline_year=baseline_year,
        qualifier=qualifier, source_quote="",
    )


def vals(**years):
    """vals(y2020="8", y2025="2") -> {2020: Decimal("8"), 2025: Decimal("2")}."""
    return {int(k[1:]): D(str(v)) for k, v in years.items()}


def seed(issuer: str, code: str) -> Target:
    return Target.objects.select_related("indicator").get(document__issuer__code=issuer, code=code)


# --------------------------------------------------------------------------------------------
# The result and the helpers


def test_evaluation_is_a_frozen_record_with_a_vietnamese_label():
    result = Evaluation(S.ACHIEVED, D("1"), "x", 2025)
    with pytest.raises(AttributeError):
        result.status = S.MISSED  # type: ignore[misc]
    assert [str(s.label) for s in S] == [
        "Đạt", "Đúng tiến độ", "Có nguy cơ", "Chậm tiến độ", "Không đạt", "Chưa có số liệu",
    ]
    assert result.label == "Đạt"


@pytest.mark.parametrize(
    "values, to_year, expected",
    [
        ({2020: D("8"), 2022: D("6")}, 2025, D("3")),  # a line through two points
        ({2022: D("3"), 2023: D("2.5"), 2024: D("2.2")}, 2025, D("1.7667")),  # least squares
        ({2021: D("5"), 2022: D("5")}, 2030, D("5")),
        ({2021: 1, 2023: 3.0}, 2024, D("4")),  # ints and floats are read as decimals
    ],
)
def test_project_follows_the_linear_trend_of_the_available_points(values, to_year, expected):
    assert project(values, to_year).quantize(D("0.0001")) == expected


@pytest.mark.parametrize("values", [{}, {2024: D("2")}, {2023: None, 2024: D("2")}])
def test_project_needs_two_points(values):
    assert project(values, 2025) is None


def test_yearly_values_keep_approved_yearly_figures_and_pending_ones_on_request():
    def actual(year, status, kind=PeriodKind.YEAR, number=0, **figure):
        return Actual(year=year, status=status, period_kind=kind, period_number=number, **figure)

    rows = [
        actual(2021, ReviewStatus.APPROVED, value=D("5.1")),
        actual(2022, ReviewStatus.APPROVED, numerator=D("30"), denominator=D("1000")),
        actual(2023, ReviewStatus.SUBMITTED, value=D("2.9")),
        actual(2024, ReviewStatus.DRAFT, value=D("2.5")),
        actual(2024, ReviewStatus.RETURNED, value=D("2.4")),
        actual(2023, ReviewStatus.APPROVED, PeriodKind.HALF, 1, value=D("9")),
    ]
    assert yearly_values(rows) == {2021: D("5.1"), 2022: D("3.0000")}
    assert yearly_values(rows, include_pending=True) == {2021: D("5.1"), 2022: D("3"), 2023: D("2.9")}


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        evaluate(make("other", high=1), {}, as_of_year=2025)


def test_direction_can_be_given_without_an_indicator():
    class StandIn:
        kind, unit, qualifier = TargetKind.LEVEL, MeasureUnit.PERCENT, "còn"
        min_value, max_value, due_on, end_year, start_year = None, D("2"), None, 2025, None
        baseline_value = baseline_year = None

    result = evaluate(StandIn(), {2025: D("1.5")}, as_of_year=2025, direction=LOWER)
    assert (result.status, result.explanation) == (S.ACHIEVED, "Năm 2025: 1,5%, thấp hơn mức còn 2%")


@pytest.mark.django_db
def test_evaluate_does_not_query_the_database(django_assert_num_queries):
    target = seed("tth-btv-tu", "2.1.2")
    with django_assert_num_queries(0):
        evaluate(target, {2024: D("2.1"), 2025: D("1.8")}, as_of_year=2025)


# --------------------------------------------------------------------------------------------
# LEVEL at a date


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, status, explanation",
    [
        ("1.90", S.MISSED, "Năm 2025: 1,9%, cao hơn mức còn 1,84%"),
        ("1.84", S.ACHIEVED, "Năm 2025: 1,84%, bằng mức còn 1,84%"),
        ("1.5", S.ACHIEVED, "Năm 2025: 1,5%, thấp hơn mức còn 1,84%"),
    ],
)
def test_hue_1_84_percent_at_the_end_of_2025(value, status, explanation):
    result = evaluate(seed("tth-btv-tu", "2.1.2"), {2024: D("2.2"), 2025: D(value)}, as_of_year=2026)
    assert (result.status, result.value, result.year, result.explanation) == (status, D(value), 2025, explanation)


@pytest.mark.django_db
def test_hue_before_2025_on_track_when_the_trend_reaches_the_bound():
    result = evaluate(seed("tth-btv-tu", "2.1.2"), vals(y2022=3, y2023="2.5", y2024="2.2"), as_of_year=2024)
    assert result.status == S.ON_TRACK
    assert result.explanation == "Năm 2024: 2,2%, cao hơn mức còn 1,84%; theo xu hướng, năm 2025 ước 1,77%"


@pytest.mark.django_db
def test_hue_before_2025_at_risk_when_the_trend_falls_short():
    result = evaluate(seed("tth-btv-tu", "2.1.2"), vals(y2023="2.5", y2024="2.4"), as_of_year=2024)
    assert result.status == S.AT_RISK
    assert result.explanation == "Năm 2024: 2,4%, cao hơn mức còn 1,84%; theo xu hướng, năm 2025 ước 2,3%"


@pytest.mark.django_db
def test_hau_giang_trained_workers_reach_70_percent():
    target = seed("hg-ubnd", "II.2.a.2")  # "đạt 70%", higher is better
    assert evaluate(target, {2025: D("70")}, as_of_year=2025).status == S.ACHIEVED
    missed = evaluate(target, {2025: D("69.99")}, as_of_year=2025)
    assert (missed.status, missed.explanation) == (S.MISSED, "Năm 2025: 69,99%, thấp hơn mức đạt 70%")


LEVEL_CASES = [
    # (direction, low, high, qualifier, value, achieved)
    (HIGHER, 80, None, "trên", "80", False),  # strict at the exact bound
    (HIGHER, 80, None, "trên", "80.01", True),
    (HIGHER, 80, None, "trở lên", "80", True),  # inclusive at the exact bound
    (HIGHER, 80, None, "trở lên", "79.99", False),
    (HIGHER, 80, None, "ít nhất", "80", True),
    (HIGHER, 80, None, "từ", "80", True),
    (HIGHER, 80, None, "đạt", "80", True),
    (HIGHER, 80, None, "", "80", True),
    (HIGHER, 80, None, "khoảng", "76", True),  # −5% edge
    (HIGHER, 80, None, "khoảng", "75.99", False),
    (HIGHER, 80, None, "khoảng", "95", True),  # above is fine when higher is better
    (HIGHER, 80, None, "cơ bản", "76", True),  # non-zero bound: 5% slack
    (HIGHER, 80, None, "cơ bản", "75.9", False),
    (LOWER, None, 2, "dưới", "2", False),  # strict at the exact bound
    (LOWER, None, 2, "dưới", "1.99", True),
    (LOWER, None, 2, "còn", "2", True),
    (LOWER, None, 2, "còn", "2.01", False),
    (LOWER, None, 2, "khoảng", "2.1", True),  # +5% edge
    (LOWER, None, 2, "khoảng", "2.11", False),
    (LOWER, None, 2, "khoảng", "0.5", True),
    (LOWER, 1, 2, "", "1.5", True),  # a range: inside
    (LOWER, 1, 2, "", "0.8", True),  # beyond it on the good side
    (LOWER, 1, 2, "", "2.1", False),
    (HIGHER, 70, 75, "", "72", True),
    (HIGHER, 70, 75, "", "80", True),
    (HIGHER, 70, 75, "", "69", False),
    (LOWER, 2, None, "", "1", True),  # a single bound is read on the indicator's side
    (LOWER, 2, None, "", "3", False),
    (HIGHER, None, 70, "", "71", True),
    (HIGHER, None, 70, "", "69", False),
]


@pytest.mark.parametrize("direction, low, high, qualifier, value, achieved", LEVEL_CASES)
def test_level_qualifiers_directions_and_ranges(direction, low, high, qualifier, value, achieved):
    target = make(TargetKind.LEVEL, direction=direction, low=low, high=high, qualifier=qualifier)
    result = evaluate(target, {2025: D(value)}, as_of_year=2025)
    assert result.status == (S.ACHIEVED if achieved else S.MISSED)


@pytest.mark.parametrize(
    "direction, low, high, qualifier, value, explanation",
    [
        (HIGHER, 80, None, "trên", "80", "Năm 2025: 80%, chỉ bằng, chưa đạt mức trên 80%"),
        (HIGHER, 80, None, "trở lên", "80", "Năm 2025: 80%, bằng mức 80% trở lên"),
        (HIGHER, 80, None, "khoảng", "76", "Năm 2025: 76%, thấp hơn mức khoảng 80% (trong dung sai ±5%)"),
        (LOWER, 1, 2, "", "1.5", "Năm 2025: 1,5%, nằm trong mức 1–2%"),
        (LOWER, 1, 2, "", "0.8", "Năm 2025: 0,8%, thấp hơn mức 1–2% (tốt hơn kế hoạch)"),
    ],
)
def test_level_explanations(direction, low, high, qualifier, value, explanation):
    target = make(TargetKind.LEVEL, direction=direction, low=low, high=high, qualifier=qualifier)
    assert evaluate(target, {2025: D(value)}, as_of_year=2025).explanation == explanation


@pytest.mark.parametrize(
    "value_unit, baseline, value, achieved",
    [
        # counts: 0,5% of the baseline rounded down, at least 1
        (MeasureUnit.HOUSEHOLDS, 600, "3", True),
        (MeasureUnit.HOUSEHOLDS, 600, "4", False),
        (MeasureUnit.HOUSEHOLDS, 100, "1", True),
        (MeasureUnit.HOUSEHOLDS, 100, "2", False),
        # rates: 0,5% of the baseline, at least 0,5
        (MeasureUnit.PERCENT, 5, "0.5", True),
        (MeasureUnit.PERCENT, 5, "0.51", False),
        (MeasureUnit.PERCENT, 200, "1", True),
        (MeasureUnit.PERCENT, 200, "1.01", False),
    ],
)
def test_level_basically_none_allows_a_small_rest(value_unit, baseline, value, achieved):
    target = make(
        TargetKind.LEVEL, value_unit=value_unit, unit=value_unit, high=0, qualifier="cơ bản không còn",
        baseline=baseline, baseline_year=2020,
    )
    result = evaluate(target, {2025: D(value)}, as_of_year=2025)
    assert result.status == (S.ACHIEVED if achieved else S.MISSED)


def test_level_basically_none_explains_the_allowance():
    target = make(
        TargetKind.LEVEL, value_unit=MeasureUnit.HOUSEHOLDS, unit=MeasureUnit.HOUSEHOLDS, high=0,
        qualifier="cơ bản không còn", baseline=600, baseline_year=2020,
    )
    assert evaluate(target, {2025: D("3")}, as_of_year=2025).explanation == (
        "Năm 2025: 3 hộ, cao hơn mức cơ bản không còn hộ (mức “cơ bản” chấp nhận đến 3 hộ)"
    )


def test_level_before_its_date_already_met_is_on_track():
    target = make(TargetKind.LEVEL, high="1.84", qualifier="còn")
    result = evaluate(target, vals(y2023="1.8"), as_of_year=2023)
    assert (result.status, result.explanation) == (S.ON_TRACK, "Năm 2023: 1,8%, thấp hơn mức còn 1,84%")


def test_level_before_its_date_with_one_point_not_met_is_at_risk():
    target = make(TargetKind.LEVEL, high="1.84", qualifier="còn")
    result = evaluate(target, vals(y2023="2.5"), as_of_year=2023)
    assert result.status == S.AT_RISK
    assert result.explanation.endswith("; chưa đủ số liệu để ước xu hướng")


def test_level_projection_is_floored_at_zero():
    target = make(TargetKind.LEVEL, high="0.5", qualifier="còn")
    result = evaluate(target, vals(y2022=6, y2023=3), as_of_year=2023)
    assert result.status == S.ON_TRACK
    assert result.explanation.endswith("năm 2025 ước 0%")


def test_level_after_its_date_without_the_final_figure_stays_provisional():
    target = make(TargetKind.LEVEL, high="1.84", qualifier="còn")
    result = evaluate(target, vals(y2023="2.5", y2024="2.4"), as_of_year=2026)
    assert (result.status, result.year) == (S.AT_RISK, 2024)
    assert result.explanation.endswith("; chưa có số liệu năm 2025")


def test_level_ignores_years_after_as_of_and_after_the_due_year():
    target = make(TargetKind.LEVEL, high=2, qualifier="còn")
    assert evaluate(target, vals(y2024="2.5", y2025="1.5"), as_of_year=2024).year == 2024
    result = evaluate(target, vals(y2025="2.5", y2026="1.5"), as_of_year=2026)
    assert (result.status, result.value) == (S.MISSED, D("2.5"))


def test_level_due_inside_a_year_is_judged_on_the_year_before():
    target = make(TargetKind.LEVEL, high=2, qualifier="còn", due=date(2025, 6, 30))
    result = evaluate(target, vals(y2024="1.9"), as_of_year=2025)
    assert (result.status, result.year) == (S.ACHIEVED, 2024)


@pytest.mark.parametrize("values", [{}, {2026: D("1")}, {2024: None}])
def test_level_without_data(values):
    result = evaluate(make(TargetKind.LEVEL, high=2), values, as_of_year=2025)
    assert (result.status, result.value, result.explanation) == (S.NO_DATA, None, "Chưa có số liệu đến năm 2025")


# --------------------------------------------------------------------------------------------
# AVERAGE_CHANGE per year


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, status, mean, explanation",
    [
        (vals(y2020=8, y2025=2), S.MISSED, "1.2", "Bình quân giảm 1,2 điểm %/năm, thấp hơn mức 1,5–1,7"),
        (vals(y2020=8, y2025="0.5"), S.ACHIEVED, "1.5", "Bình quân giảm 1,5 điểm %/năm, nằm trong mức 1,5–1,7"),
        (vals(y2020=8, y2025="-0.5"), S.ACHIEVED, "1.7", "Bình quân giảm 1,7 điểm %/năm, nằm trong mức 1,5–1,7"),
        (
            vals(y2020=10, y2025="0.5"), S.ACHIEVED, "1.9",
            "Bình quân giảm 1,9 điểm %/năm, cao hơn mức 1,5–1,7 (giảm nhiều hơn kế hoạch)",
        ),
        (vals(y2020=8, y2025=9), S.MISSED, "-0.2", "Bình quân tăng 0,2 điểm %/năm, ngược với mục tiêu giảm 1,5–1,7"),
        # missing years are skipped: the mean runs over the span of the available years
        (vals(y2020=8, y2022=5, y2025="0.5"), S.ACHIEVED, "1.5", "Bình quân giảm 1,5 điểm %/năm, nằm trong mức 1,5–1,7"),
        # years before the baseline year and after the end year are ignored
        (vals(y2018=20, y2020=8, y2025=2, y2026=0), S.MISSED, "1.2", "Bình quân giảm 1,2 điểm %/năm, thấp hơn mức 1,5–1,7"),
    ],
)
def test_bac_giang_yearly_decrease_of_1_5_to_1_7_points(values, status, mean, explanation):
    result = evaluate(seed("bg-btv-tu", "II.2.1.1"), values, as_of_year=2026)
    assert (result.status, result.value, result.year, result.explanation) == (status, D(mean), 2025, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, status",
    [
        (vals(y2020=8, y2023="3.5"), S.ON_TRACK),  # 1,5 a year: meets the minimum
        (vals(y2020=8, y2023="4.4"), S.AT_RISK),  # 1,2 a year: exactly 80% of the minimum
        (vals(y2020=8, y2023="4.5"), S.OFF_TRACK),  # 1,17 a year: below 80%
        (vals(y2020=8, y2023=9), S.OFF_TRACK),  # the wrong way
        (vals(y2021="6.5", y2023="3.5"), S.ON_TRACK),  # no baseline year: from the first year available
    ],
)
def test_bac_giang_before_2025_progress(values, status):
    assert evaluate(seed("bg-btv-tu", "II.2.1.1"), values, as_of_year=2023).status == status


@pytest.mark.django_db
def test_average_change_after_the_end_without_the_final_year_stays_provisional():
    result = evaluate(seed("bg-btv-tu", "II.2.1.1"), vals(y2020=8, y2024=2), as_of_year=2026)
    assert (result.status, result.year) == (S.ON_TRACK, 2024)
    assert result.explanation == "Bình quân giảm 1,5 điểm %/năm, nằm trong mức 1,5–1,7; chưa có số liệu năm 2025"


@pytest.mark.django_db
@pytest.mark.parametrize("values", [{}, vals(y2020=8), vals(y2019=9, y2020=8), vals(y2026=1, y2027=0)])
def test_average_change_needs_two_points_in_the_period(values):
    result = evaluate(seed("bg-btv-tu", "II.2.1.1"), values, as_of_year=2027)
    assert result.status == S.NO_DATA
    assert result.explanation.startswith("Cần ít nhất hai năm số liệu từ năm 2020")


@pytest.mark.django_db
@pytest.mark.parametrize("last, status", [("32.5", S.ACHIEVED), ("32.6", S.MISSED)])
def test_bac_giang_poor_communes_3_5_points_or_more_inclusive(last, status):
    target = seed("bg-btv-tu", "II.2.1.2")  # "giảm bình quân 3,5% trở lên"
    result = evaluate(target, {2020: D("50"), 2025: D(last)}, as_of_year=2025)
    assert result.status == status
    if status == S.ACHIEVED:
        assert result.explanation == "Bình quân giảm 3,5 điểm %/năm, bằng mức 3,5 trở lên"


@pytest.mark.parametrize(
    "qualifier, last, status",
    [
        ("trên", "32.5", S.MISSED),  # exactly 3,5 is not "trên 3,5"
        ("trên", "32.4", S.ACHIEVED),
        ("khoảng", "33.375", S.ACHIEVED),  # 3,325 = 95% of 3,5
        ("khoảng", "33.4", S.MISSED),
        ("từ", "32.5", S.ACHIEVED),
    ],
)
def test_average_change_qualifiers(qualifier, last, status):
    target = make(TargetKind.AVERAGE_CHANGE, change=DECREASE, unit=MeasureUnit.POINTS, low="3.5", start=2021, qualifier=qualifier)
    assert evaluate(target, {2020: D("50"), 2025: D(last)}, as_of_year=2025).status == status


def test_average_change_uses_the_target_baseline_value():
    target = make(
        TargetKind.AVERAGE_CHANGE, change=DECREASE, unit=MeasureUnit.POINTS, low="1", start=2021,
        baseline="10", baseline_year=2020,
    )
    result = evaluate(target, vals(y2020=6, y2025=5), as_of_year=2025)
    assert (result.status, result.value) == (S.ACHIEVED, D("1"))


@pytest.mark.parametrize(
    "direction, change, low, high, last, status, explanation",
    [
        # an increase of a higher-is-better rate: more is fine
        (HIGHER, INCREASE, 2, None, "60", S.ACHIEVED, "Bình quân tăng 2 điểm %/năm, bằng mức 2"),
        (HIGHER, INCREASE, 2, None, "59", S.MISSED, "Bình quân tăng 1,8 điểm %/năm, thấp hơn mức 2"),
        # an increase allowed on a lower-is-better indicator: the smaller the better
        (LOWER, INCREASE, None, "0.5", "52", S.ACHIEVED, "Bình quân tăng 0,4 điểm %/năm, thấp hơn mức 0,5"),
        (LOWER, INCREASE, None, "0.5", "53", S.MISSED, "Bình quân tăng 0,6 điểm %/năm, cao hơn mức 0,5"),
    ],
)
def test_average_change_direction(direction, change, low, high, last, status, explanation):
    target = make(TargetKind.AVERAGE_CHANGE, direction=direction, change=change, low=low, high=high, start=2021,
                  unit=MeasureUnit.POINTS)
    result = evaluate(target, {2020: D("50"), 2025: D(last)}, as_of_year=2025)
    assert (result.status, result.explanation) == (status, explanation)


# --------------------------------------------------------------------------------------------
# CUMULATIVE over the period


@pytest.mark.django_db
@pytest.mark.parametrize(
    "yearly, status, explanation",
    [
        (15000, S.ACHIEVED, "Lũy kế 2021–2025: 75.000 lao động, bằng mức 75.000 lao động"),
        (16000, S.ACHIEVED, "Lũy kế 2021–2025: 80.000 lao động, cao hơn mức 75.000 lao động"),
        (14000, S.MISSED, "Lũy kế 2021–2025: 70.000 lao động, thấp hơn mức 75.000 lao động"),
    ],
)
def test_hau_giang_75000_jobs_2021_2025(yearly, status, explanation):
    values = {year: D(yearly) for year in range(2021, 2026)} | {2020: D(99999), 2026: D(99999)}
    result = evaluate(seed("hg-ubnd", "II.2.a.3"), values, as_of_year=2026)
    assert (result.status, result.value, result.year, result.explanation) == (
        status, D(yearly) * 5, 2025, explanation,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, status, explanation",
    [
        (
            vals(y2021=15000, y2022=15000, y2023=15000), S.ON_TRACK,
            "Lũy kế 2021–2023: 45.000 lao động, bằng 100% tiến độ cần đạt (45.000 lao động sau 3/5 năm)",
        ),
        (
            vals(y2021=12000, y2022=12000, y2023=12000), S.AT_RISK,
            "Lũy kế 2021–2023: 36.000 lao động, bằng 80% tiến độ cần đạt (45.000 lao động sau 3/5 năm)",
        ),
        (
            vals(y2021=12000, y2022=12000, y2023=11999), S.OFF_TRACK,
            "Lũy kế 2021–2023: 35.999 lao động, bằng 80% tiến độ cần đạt (45.000 lao động sau 3/5 năm)",
        ),
        (
            vals(y2021=20000, y2023=20000), S.AT_RISK,
            "Lũy kế 2021–2023: 40.000 lao động, bằng 88,9% tiến độ cần đạt (45.000 lao động sau 3/5 năm); "
            "thiếu số liệu năm 2022",
        ),
        (
            vals(y2021=16000), S.ON_TRACK,
            "Lũy kế 2021: 16.000 lao động, bằng 106,7% tiến độ cần đạt (15.000 lao động sau 1/5 năm)",
        ),
    ],
)
def test_hau_giang_jobs_before_2025_against_the_pro_rata_share(values, status, explanation):
    result = evaluate(seed("hg-ubnd", "II.2.a.3"), values, as_of_year=2024)
    assert (result.status, result.explanation) == (status, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "total, status",
    [("2375", S.ACHIEVED), ("2374", S.MISSED), ("2625", S.ACHIEVED), ("3000", S.ACHIEVED)],
)
def test_hau_giang_about_2500_overseas_workers_within_5_percent(total, status):
    target = seed("hg-ubnd", "II.2.a.4")  # "khoảng 2.500"
    result = evaluate(target, {2021: D("0"), 2025: D(total)}, as_of_year=2025)
    assert result.status == status
    if total == "2375":
        assert result.explanation == (
            "Lũy kế 2021–2025: 2.375 lao động, thấp hơn mức khoảng 2.500 lao động (trong dung sai ±5%); "
            "thiếu số liệu năm 2022, 2023, 2024"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("second, status", [("950", S.ON_TRACK), ("949", S.AT_RISK)])
def test_about_applies_to_the_pro_rata_share_too(second, status):
    target = seed("hg-ubnd", "II.2.a.4")  # pro-rata 2 years of 5: 1.000, −5% = 950
    assert evaluate(target, {2021: D("0"), 2022: D(second)}, as_of_year=2022).status == status


@pytest.mark.django_db
@pytest.mark.parametrize("values", [{}, vals(y2020=5000), vals(y2026=5000)])
def test_cumulative_without_data_in_the_period(values):
    result = evaluate(seed("hg-ubnd", "II.2.a.3"), values, as_of_year=2026)
    assert (result.status, result.explanation) == (S.NO_DATA, "Chưa có số liệu từ năm 2021")


def test_cumulative_after_the_end_without_the_final_year_stays_provisional():
    target = make(TargetKind.CUMULATIVE, direction=HIGHER, value_unit=MeasureUnit.WORKERS, unit=MeasureUnit.WORKERS,
                  low=100, start=2021)
    result = evaluate(target, vals(y2021=20, y2022=20, y2023=20, y2024=20), as_of_year=2026)
    assert result.status == S.ON_TRACK
    assert result.explanation.endswith("; chưa có số liệu năm 2025")


# --------------------------------------------------------------------------------------------
# RELATIVE_CHANGE against the baseline


@pytest.mark.django_db
@pytest.mark.parametrize(
    "last, status, explanation",
    [
        ("11", S.ACHIEVED, "Năm 2025: giảm 45% so với năm 2020 (20 xã → 11 xã), nằm trong mức 40–50%"),
        ("12", S.ACHIEVED, "Năm 2025: giảm 40% so với năm 2020 (20 xã → 12 xã), nằm trong mức 40–50%"),
        ("13", S.MISSED, "Năm 2025: giảm 35% so với năm 2020 (20 xã → 13 xã), thấp hơn mức 40–50%"),
        (
            "8", S.ACHIEVED,
            "Năm 2025: giảm 60% so với năm 2020 (20 xã → 8 xã), cao hơn mức 40–50% (giảm nhiều hơn kế hoạch)",
        ),
        ("22", S.MISSED, "Năm 2025: tăng 10% so với năm 2020 (20 xã → 22 xã), ngược với mục tiêu giảm 40–50%"),
    ],
)
def test_bac_giang_poor_communes_fall_40_to_50_percent_baseline_from_values(last, status, explanation):
    target = seed("bg-btv-tu", "II.2.1.4")  # no baseline value: the 2020 figure is the baseline
    result = evaluate(target, {2019: D("30"), 2020: D("20"), 2025: D(last)}, as_of_year=2025)
    assert (result.status, result.year, result.explanation) == (status, 2025, explanation)


@pytest.mark.django_db
def test_relative_change_prefers_the_baseline_value_of_the_target():
    target = seed("bg-btv-tu", "II.2.1.4")
    target.baseline_value = D("25")
    result = evaluate(target, {2020: D("20"), 2025: D("15")}, as_of_year=2025)
    assert (result.status, result.value) == (S.ACHIEVED, D("40"))


@pytest.mark.django_db
def test_relative_change_without_a_baseline_has_no_data():
    result = evaluate(seed("bg-btv-tu", "II.2.1.4"), {2019: D("30"), 2025: D("10")}, as_of_year=2025)
    assert (result.status, result.explanation) == (S.NO_DATA, "Chưa có giá trị gốc năm 2020")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, explanation",
    [
        ({2020: D("20")}, "Chưa có số liệu sau năm gốc 2020"),
        ({2020: D("0"), 2025: D("0")}, "Giá trị gốc năm 2020 bằng 0, không tính được tỷ lệ thay đổi"),
    ],
)
def test_relative_change_other_gaps(values, explanation):
    result = evaluate(seed("bg-btv-tu", "II.2.1.4"), values, as_of_year=2025)
    assert (result.status, result.explanation) == (S.NO_DATA, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "last, status",
    [("10", S.MISSED), ("9", S.ACHIEVED)],
)
def test_bac_giang_villages_fall_more_than_50_percent_strict(last, status):
    target = seed("bg-btv-tu", "II.2.1.5")  # "giảm trên 50%"
    result = evaluate(target, {2020: D("20"), 2025: D(last)}, as_of_year=2025)
    assert result.status == status
    if status == S.MISSED:
        assert result.explanation == (
            "Năm 2025: giảm 50% so với năm 2020 (20 thôn, bản → 10 thôn, bản), chỉ bằng, chưa đạt mức trên 50%"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value_2023, status",
    [("15", S.ON_TRACK), ("16", S.AT_RISK), ("17", S.OFF_TRACK)],  # 25%, 20%, 15% against 24% due by 2023
)
def test_relative_change_before_the_end_against_the_pro_rata_share(value_2023, status):
    target = seed("bg-btv-tu", "II.2.1.4")
    result = evaluate(target, {2020: D("20"), 2023: D(value_2023)}, as_of_year=2024)
    assert result.status == status
    if status == S.ON_TRACK:
        assert result.explanation == (
            "Năm 2023: giảm 25% so với năm 2020 (20 xã → 15 xã), bằng 104,2% tiến độ cần đạt (24% sau 3/5 năm)"
        )


@pytest.mark.django_db
def test_relative_change_the_wrong_way_before_the_end_is_off_track():
    result = evaluate(seed("bg-btv-tu", "II.2.1.4"), {2020: D("20"), 2022: D("22")}, as_of_year=2022)
    assert (result.status, result.value) == (S.OFF_TRACK, D("-10"))
    assert result.explanation == "Năm 2022: tăng 10% so với năm 2020 (20 xã → 22 xã), ngược với mục tiêu giảm 40–50%"


@pytest.mark.django_db
@pytest.mark.parametrize("last, status", [("0.88", S.ACHIEVED), ("0.9", S.ACHIEVED), ("0.91", S.MISSED), ("0.8", S.ACHIEVED)])
def test_bao_loc_fall_of_0_1_to_0_13_points_is_an_absolute_change(last, status):
    target = seed("bl-thu", "I.3.2.1")  # unit "điểm %": baseline − value
    result = evaluate(target, {2020: D("1"), 2025: D(last)}, as_of_year=2025)
    assert result.status == status
    if last == "0.88":
        assert result.explanation == (
            "Năm 2025: giảm 0,12 điểm % so với năm 2020 (1% → 0,88%), nằm trong mức 0,1–0,13 điểm %"
        )


# --------------------------------------------------------------------------------------------
# COMPARISON with other units


@pytest.fixture
def hau_giang_comparison(db):
    target = seed("hg-ubnd", "II.2.b.1")
    units = {u.code: u for u in target.compare_units.all()}
    return target, units["DBSCL"], units["VN"]


@pytest.mark.parametrize(
    "own, region, nation, status, explanation",
    [
        ("2", "2.5", "2", S.ACHIEVED, "Năm 2030: 2%, thấp hơn Đồng bằng sông Cửu Long (2,5%), bằng Việt Nam (2%)"),
        ("2.1", "2.5", "2", S.MISSED, "Năm 2030: 2,1%, thấp hơn Đồng bằng sông Cửu Long (2,5%), cao hơn Việt Nam (2%)"),
        ("2.6", "2.5", "2", S.MISSED, "Năm 2030: 2,6%, cao hơn Đồng bằng sông Cửu Long (2,5%), cao hơn Việt Nam (2%)"),
    ],
)
def test_hau_giang_poverty_rate_at_or_below_the_mekong_delta_and_the_nation(
    hau_giang_comparison, own, region, nation, status, explanation
):
    target, dbscl, vn = hau_giang_comparison
    result = evaluate(
        target, {2030: D(own)}, as_of_year=2030,
        compare_values={dbscl.pk: {2030: D(region)}, vn.pk: {2030: D(nation)}},
        unit_names={dbscl.pk: dbscl.name, vn.pk: vn.name},
    )
    assert (result.status, result.value, result.year, result.explanation) == (status, D(own), 2030, explanation)


def test_comparison_uses_the_latest_common_year(hau_giang_comparison):
    target, dbscl, vn = hau_giang_comparison
    result = evaluate(
        target, {2027: D("2.4"), 2028: D("3")}, as_of_year=2028,
        compare_values={dbscl: {2027: D("2.5"), 2028: D("2.4")}, vn: {2027: D("2.4")}},  # units as keys
    )
    assert (result.status, result.year) == (S.ON_TRACK, 2027)
    assert result.explanation == "Năm 2027: 2,4%, thấp hơn Đồng bằng sông Cửu Long (2,5%), bằng Việt Nam (2,4%)"


def test_comparison_before_the_end_not_met_is_at_risk(hau_giang_comparison):
    target, dbscl, vn = hau_giang_comparison
    result = evaluate(target, {2027: D("2.6")}, as_of_year=2027, compare_values={dbscl: {2027: D("2.5")}, vn: {2027: D("2")}})
    assert result.status == S.AT_RISK


def test_comparison_without_the_compared_unit_that_year_has_no_data(hau_giang_comparison):
    target, dbscl, vn = hau_giang_comparison
    result = evaluate(target, {2028: D("2")}, as_of_year=2028, compare_values={dbscl: {2028: D("3")}, vn: {2027: D("2.4")}})
    assert (result.status, result.explanation) == (S.NO_DATA, "Năm 2028: chưa có số liệu của Việt Nam")


@pytest.mark.parametrize(
    "own, compare_values, explanation",
    [
        ({}, {1: {2028: D("2")}}, "Chưa có số liệu đến năm 2028"),
        ({2028: D("2")}, None, "Chưa có số liệu của địa bàn so sánh"),
        ({2028: D("2")}, {}, "Chưa có số liệu của địa bàn so sánh"),
    ],
)
def test_comparison_without_data(own, compare_values, explanation):
    target = make(TargetKind.COMPARISON, start=2026, end=2030, qualifier="bằng hoặc thấp hơn")
    result = evaluate(target, own, as_of_year=2028, compare_values=compare_values)
    assert (result.status, result.explanation) == (S.NO_DATA, explanation)


@pytest.mark.parametrize(
    "direction, qualifier, own, other, status",
    [
        (LOWER, "bằng hoặc thấp hơn", "2", "2", S.ACHIEVED),
        (LOWER, "thấp hơn", "2", "2", S.MISSED),  # strict without "bằng"
        (LOWER, "thấp hơn", "1.9", "2", S.ACHIEVED),
        (HIGHER, "bằng hoặc cao hơn", "70", "70", S.ACHIEVED),
        (HIGHER, "", "69", "70", S.MISSED),
        (HIGHER, "cao hơn", "71", "70", S.ACHIEVED),
    ],
)
def test_comparison_direction_and_qualifier(direction, qualifier, own, other, status):
    target = make(TargetKind.COMPARISON, direction=direction, start=2026, end=2030, qualifier=qualifier)
    result = evaluate(target, {2030: D(own)}, as_of_year=2030, compare_values={7: {2030: D(other)}}, unit_names={7: "Cả nước"})
    assert result.status == status


def test_comparison_names_units_without_names_by_their_key():
    target = make(TargetKind.COMPARISON, start=2026, end=2030)
    result = evaluate(target, {2030: D("1")}, as_of_year=2030, compare_values={7: {2030: D("2")}})
    assert result.explanation == "Năm 2030: 1%, thấp hơn địa bàn 7 (2%)"


# --------------------------------------------------------------------------------------------
# MILESTONE by a date


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, as_of, status, year, explanation",
    [
        # at the date: the 2023 figure decides
        (vals(y2022=1, y2023=0), 2023, S.ACHIEVED, 2023, "Năm 2023: không, đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023)"),
        (vals(y2022=1, y2023=1), 2023, S.MISSED, 2023, "Năm 2023: có, không đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023)"),
        # before the date: reached early is achieved; not yet and not improving is at risk
        (vals(y2022=0), 2022, S.ACHIEVED, 2022, "Năm 2022: không, đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023)"),
        (
            vals(y2021=1, y2022=1), 2022, S.AT_RISK, 2022,
            "Năm 2022: có, chưa đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023); chưa cải thiện so với năm 2021 (có)",
        ),
        # after the date: later figures do not count; a missing final figure keeps it provisional
        (vals(y2023=1, y2024=0), 2024, S.MISSED, 2023, "Năm 2023: có, không đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023)"),
        (
            vals(y2022=1), 2024, S.AT_RISK, 2022,
            "Năm 2022: có, chưa đạt mốc đủ điều kiện thoát khỏi (hạn 31/12/2023); chưa có số liệu năm 2023",
        ),
    ],
)
def test_a_luoi_leaves_the_poor_districts_by_the_end_of_2023(values, as_of, status, year, explanation):
    target = seed("tth-btv-tu", "2.1.3")  # GN07 = 0 for A Lưới by 31/12/2023
    result = evaluate(target, values, as_of_year=as_of)
    assert (result.status, result.year, result.explanation) == (status, year, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reached_on, as_of, status, explanation",
    [
        (date(2023, 11, 20), 2023, S.ACHIEVED, "Đạt mốc đủ điều kiện thoát khỏi ngày 20/11/2023 (hạn 31/12/2023)"),
        (date(2023, 12, 31), 2023, S.ACHIEVED, "Đạt mốc đủ điều kiện thoát khỏi ngày 31/12/2023 (hạn 31/12/2023)"),
        (date(2024, 3, 15), 2024, S.MISSED, "Đạt mốc đủ điều kiện thoát khỏi ngày 15/03/2024, sau hạn 31/12/2023"),
    ],
)
def test_milestone_reached_on_a_date_before_at_or_after_the_due_date(reached_on, as_of, status, explanation):
    result = evaluate(seed("tth-btv-tu", "2.1.3"), vals(y2023=1), as_of_year=as_of, reached_on=reached_on)
    assert (result.status, result.explanation) == (status, explanation)


@pytest.mark.django_db
def test_milestone_date_after_as_of_is_not_known_yet():
    result = evaluate(seed("tth-btv-tu", "2.1.3"), vals(y2022=1), as_of_year=2022, reached_on=date(2023, 5, 1))
    assert result.status == S.AT_RISK


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, as_of, status, explanation",
    [
        (
            vals(y2025=5, y2026=3), 2026, S.ON_TRACK,
            "Năm 2026: 3 xã, chưa đạt mốc không còn xã (hạn 31/12/2030); đã giảm từ 5 xã năm 2025",
        ),
        (
            vals(y2025=3, y2026=4), 2026, S.AT_RISK,
            "Năm 2026: 4 xã, chưa đạt mốc không còn xã (hạn 31/12/2030); chưa cải thiện so với năm 2025 (3 xã)",
        ),
        (vals(y2029=0), 2029, S.ACHIEVED, "Năm 2029: 0 xã, đạt mốc không còn xã (hạn 31/12/2030)"),
        (vals(y2029=0, y2030=1), 2030, S.MISSED, "Năm 2030: 1 xã, không đạt mốc không còn xã (hạn 31/12/2030)"),
    ],
)
def test_bac_giang_no_extremely_poor_communes_by_2030(values, as_of, status, explanation):
    result = evaluate(seed("bg-btv-tu", "II.2.2.3"), values, as_of_year=as_of)
    assert (result.status, result.explanation) == (status, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "left, status, explanation",
    [
        ("2", S.ACHIEVED, "Năm 2025: 2 hộ, đạt mốc cơ bản không còn hộ (hạn 31/12/2025; mức “cơ bản” chấp nhận đến 2 hộ)"),
        ("3", S.MISSED, "Năm 2025: 3 hộ, không đạt mốc cơ bản không còn hộ (hạn 31/12/2025)"),
        ("0", S.ACHIEVED, "Năm 2025: 0 hộ, đạt mốc cơ bản không còn hộ (hạn 31/12/2025)"),
    ],
)
def test_bao_loc_basically_no_poor_households_in_2025(left, status, explanation):
    target = seed("bl-thu", "I.3.2.2")  # 0,5% of the 2024 figure (400) = 2 households
    result = evaluate(target, {2024: D("400"), 2025: D(left)}, as_of_year=2025)
    assert (result.status, result.explanation) == (status, explanation)


@pytest.mark.django_db
@pytest.mark.parametrize("left, status", [("1", S.ACHIEVED), ("2", S.MISSED)])
def test_nation_basically_no_poor_districts_by_2030_allows_one_of_74(left, status):
    target = seed("tw-bbt", "MT.2")
    assert evaluate(target, {2020: D("74"), 2030: D(left)}, as_of_year=2030).status == status


@pytest.mark.django_db
def test_no_poor_households_of_people_with_merit_is_strict():
    target = seed("bg-btv-tu", "II.2.1.3")  # "không còn": no allowance
    assert evaluate(target, {2020: D("400"), 2025: D("1")}, as_of_year=2025).status == S.MISSED


@pytest.mark.parametrize("values", [{}, vals(y2026=0)])
def test_milestone_without_data(values):
    target = make(TargetKind.MILESTONE, value_unit=MeasureUnit.COMMUNES, unit=MeasureUnit.COMMUNES, high=0,
                  due=date(2025, 12, 31))
    result = evaluate(target, values, as_of_year=2026)
    assert (result.status, result.explanation) == (S.NO_DATA, "Chưa có số liệu đến năm 2025")


def test_milestone_with_a_single_figure_not_reached_is_at_risk():
    target = make(TargetKind.MILESTONE, value_unit=MeasureUnit.COMMUNES, unit=MeasureUnit.COMMUNES, high=0,
                  qualifier="không còn", due=date(2030, 12, 31))
    result = evaluate(target, vals(y2026=3), as_of_year=2026)
    assert (result.status, result.explanation) == (S.AT_RISK, "Năm 2026: 3 xã, chưa đạt mốc không còn xã (hạn 31/12/2030)")


def test_milestone_higher_is_better_improving_is_on_track():
    target = make(TargetKind.MILESTONE, direction=HIGHER, value_unit=MeasureUnit.PERCENT, low=100, qualifier="đạt",
                  end=2030)
    result = evaluate(target, vals(y2026=90, y2027=95), as_of_year=2027)
    assert (result.status, result.explanation) == (
        S.ON_TRACK, "Năm 2027: 95%, chưa đạt mốc đạt 100% (hạn 31/12/2030); đã tăng từ 90% năm 2026",
    )
