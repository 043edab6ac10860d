"""Honest demo data: figures computed from synthetic households are labelled synthetic wherever
they show, the illustrative generator never writes a key the household register (or anyone) has,
a register recompute replaces the illustrative figures of its keys, and the generated series move
as real ones do (no jump where the source changes, no IPTT percentage below zero)."""

import io
import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.iptt import iptt_table
from dashboards.scope import Options
from households.recompute import recompute_register
from indicators import illustrative, rollups
from indicators.models import Actual, ActualSource, Indicator, Target, TargetKind, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, Document, UnitLevel
from review.models import TaskReport
from tests.conftest import unit

REGISTER_SOURCES = (ActualSource.REGISTER, ActualSource.SYNTHETIC)
# The bounds the generator promises (its docstring): a "lower is better" rate of a province never
# rises and falls by at most 3 points a year plus the noise (12 % of the fall); a rising rate gains
# 0,4–3 points a year, give or take the same noise.
FALL = (Decimal("-3.72"), Decimal("0"))
GAIN = (Decimal("0.3"), Decimal("3.72"))


def gn(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


@pytest.fixture
def demo(db):
    """`make run`'s order: the synthetic register of the demo, then the illustrative figures (of the
    register's poverty rate and its counts, to stay fast)."""
    call_command("generate_register", "--demo", verbosity=0)
    call_command("generate_illustrative_actuals", "--indicators", "GN01,GN03,HN01", "--no-task-reports",
                 "--if-empty", verbosity=0)


def keys_by_source() -> dict[str, set]:
    out = defaultdict(set)
    for indicator_id, unit_id, year, source in Actual.objects.values_list("indicator_id", "unit_id", "year", "source"):
        out[source].add((indicator_id, unit_id, year))
    return out


def province_series(code: str) -> dict[int, dict[int, Decimal]]:
    series = defaultdict(dict)
    for unit_id, year, value in YearlyValue.objects.filter(
        indicator__code=code, unit__level=UnitLevel.PROVINCE, value__isnull=False
    ).values_list("unit_id", "year", "value"):
        series[unit_id][year] = value
    return series


def changes(series: dict[int, dict[int, Decimal]]) -> list[tuple[int, int, Decimal]]:
    return [(unit_id, year, values[year] - values[year - 1])
            for unit_id, values in series.items() for year in sorted(values) if year - 1 in values]


def test_figures_computed_from_synthetic_households_are_synthetic_and_only_for_units_covered_whole(demo):
    synthetic = Actual.objects.filter(source=ActualSource.SYNTHETIC)
    assert not Actual.objects.filter(source=ActualSource.REGISTER).exists()
    haugiang = unit("93")
    assert synthetic.get(indicator=gn("GN01"), unit=haugiang, year=2024).denominator == 900  # 75 communes x 12
    assert YearlyValue.objects.get(indicator=gn("GN01"), unit=haugiang, year=2024).is_synthetic
    # Four localities are not the nation, nor Cần Thơ of 2025 (with Sóc Trăng), nor Lâm Đồng (Bảo Lộc
    # is one of its towns): none of them gets a figure from the synthetic register.
    for place in (unit("VN", AdminMap.STATISTICAL), unit("DBSCL", AdminMap.STATISTICAL), unit("92", AdminMap.CURRENT),
                  unit("68")):
        assert not synthetic.filter(unit=place).exists(), place
    assert synthetic.filter(unit=unit("673"), year=2024).count() == 9  # Bảo Lộc is covered whole
    assert not synthetic.filter(unit=unit("673"), year=2025).exists()  # closed on 1/7/2025 (indicators.closures)
    # The nation is added up from the provinces instead, and says what it adds.
    nation = YearlyValue.objects.get(indicator=gn("GN01"), unit=unit("VN", AdminMap.STATISTICAL), year=2024)
    assert nation.is_computed and nation.is_synthetic and nation.is_illustrative
    assert nation.children_count == 63


def test_the_generator_never_writes_a_key_the_register_or_anyone_has(demo):
    by_source = keys_by_source()
    register = by_source[ActualSource.SYNTHETIC]
    assert len(register) > 3000 and not register & by_source[ActualSource.ILLUSTRATIVE]
    # Cần Thơ of 2025 holds synthetic communes in 2023–2025: roll-ups add it up, with both labels.
    can_tho = unit("92", AdminMap.CURRENT)
    assert not Actual.objects.filter(unit=can_tho, indicator=gn("GN01"), year__in=[2023, 2024, 2025]).exists()
    row = YearlyValue.objects.get(indicator=gn("GN01"), unit=can_tho, year=2025)
    assert row.is_computed and row.is_synthetic and row.is_illustrative
    # Counts agree with rates: poor households and households reviewed are the rate's terms.
    for province in (can_tho, unit("01", AdminMap.CURRENT), unit("93")):
        rate = YearlyValue.objects.get(indicator=gn("GN01"), unit=province, year=2024)
        assert YearlyValue.objects.get(indicator=gn("GN03"), unit=province, year=2024).value == rate.numerator
        assert YearlyValue.objects.get(indicator=gn("HN01"), unit=province, year=2024).value == rate.denominator
    # Run again as `make run` does: nothing changes.
    count = Actual.objects.count()
    call_command("generate_illustrative_actuals", "--if-empty", verbosity=0)
    assert Actual.objects.count() == count


def test_no_generated_record_was_submitted_or_reviewed_after_it_was_generated(db):
    this_year = timezone.now().year
    call_command("generate_illustrative_actuals", "--indicators", "GN01", "--from-year", str(this_year - 2),
                 "--to-year", str(this_year), verbosity=0)
    now = timezone.now()
    generated = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE)
    assert generated.filter(year=this_year).exists() and TaskReport.objects.exists()
    for model, records in ((Actual, generated), (TaskReport, TaskReport.objects.all())):
        late = records.filter(Q(submitted_at__gt=now) | Q(reviewed_at__gt=now))
        assert not late.exists(), (model.__name__, list(late.values_list("year", "submitted_at", "reviewed_at")[:5]))
    # Earlier years keep their fixed dates: sent on 1 February of the next year.
    two_years_ago = generated.filter(year=this_year - 2).values_list("submitted_at", flat=True)
    assert {timezone.localtime(at).date() for at in two_years_ago} == {date(this_year - 1, 2, 1)}


def test_a_register_recompute_after_the_generator_leaves_one_figure_per_key_the_registers(db):
    call_command("generate_register", "--legacy", "93@63", "--per-commune", "3", "--years", "2024", "--no-recompute",
                 verbosity=0)
    call_command("generate_illustrative_actuals", "--indicators", "GN01,GN03", "--from-year", "2023", "--to-year",
                 "2025", "--no-task-reports", verbosity=0)
    haugiang = unit("93")
    before = Actual.objects.get(indicator=gn("GN01"), unit=haugiang, year=2024)
    assert before.source == ActualSource.ILLUSTRATIVE
    before.status, before.is_late_correction, before.version = "submitted", True, 2
    before.save()
    result = recompute_register(year=2024)
    assert result.actuals_replaced > 50
    after = Actual.objects.get(indicator=gn("GN01"), unit=haugiang, year=2024)
    assert after.pk == before.pk and after.source == ActualSource.SYNTHETIC and after.denominator == 225
    assert (after.status, after.is_late_correction, after.version) == ("approved", False, 1)
    duplicates = (Actual.objects.values("indicator_id", "unit_id", "period_kind", "year", "period_number")
                  .annotate(n=Count("id")).filter(n__gt=1))
    assert not duplicates.exists()
    register = keys_by_source()[ActualSource.SYNTHETIC]
    assert register and not register & keys_by_source()[ActualSource.ILLUSTRATIVE]
    row = YearlyValue.objects.get(indicator=gn("GN01"), unit=haugiang, year=2024)
    assert row.is_synthetic and not row.is_illustrative and row.denominator == 225
    # The provinces of the old map the register leaves alone keep their illustrative figure.
    assert Actual.objects.get(indicator=gn("GN01"), unit=unit("92"), year=2024).source == ActualSource.ILLUSTRATIVE


def test_province_rates_move_smoothly_without_a_jump_where_the_source_changes(demo):
    series = province_series("GN01")
    assert len(series) == 63 + 34
    steps = changes(series)
    assert all(FALL[0] <= change <= FALL[1] for _u, _y, change in steps), [s for s in steps if not FALL[0] <= s[2] <= FALL[1]]
    assert all(Decimal(0) < value < Decimal(30) for values in series.values() for value in values.values())
    # Hậu Giang: drawn for 2020–2022 from the register's 2023, then the register's own figures up to
    # 2024 (it closed on 1/7/2025: its 2025 households count at Cần Thơ).
    haugiang = series[unit("93").pk]
    assert sorted(haugiang) == [2020, 2021, 2022, 2023, 2024]
    assert all(Decimal("0.3") <= haugiang[y - 1] - haugiang[y] <= Decimal("1.5") for y in range(2021, 2025)), haugiang


@pytest.mark.parametrize("code, bounds", [("GN02", FALL), ("X201", FALL), ("LD01", GAIN)])
def test_every_generated_province_rate_series_stays_in_its_band(db, code, bounds):
    rows = illustrative.draw([gn(code)], years=list(range(2020, 2027)), communes=False)
    provinces = set(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).values_list("pk", flat=True))
    series = defaultdict(dict)
    for row in (r for r in rows if r.unit_id in provinces):
        series[row.unit_id][row.year] = Decimal(row.figure.numerator) * 100 / Decimal(row.figure.denominator)
    assert len(series) == 63 + 34
    steps = changes(series)
    assert len(steps) == 63 * 4 + 34 * 6
    outside = [s for s in steps if not bounds[0] <= s[2] <= bounds[1]]
    assert not outside


def test_no_iptt_percentage_is_negative_on_the_demo_data(demo, personas):
    options = Options(year=2025)
    percents = []
    for document in Document.objects.filter(targets__indicator__code="GN01").distinct():
        table = iptt_table(user=personas.leader, document=document, options=options)
        percents += [(row.status.target.kind, c.percent) for row in table.rows for c in row.cells if c.percent is not None]
    # No 2021 step for a 2021–2025 target: 2020 and 2021 were measured under QĐ 59/2015, the target under NĐ 07/2021.
    assert len(percents) > 15 and min(p for _k, p in percents) >= 0
    # A poverty rate falling 0,3–3,7 points a year against plans of 1–1,7 points: 20–250 % met.
    average = [p for kind, p in percents if kind == TargetKind.AVERAGE_CHANGE]
    assert len(average) >= 10 and 20 <= min(average) and max(average) <= 250, average


def test_synthetic_figures_say_so_on_the_dashboard_the_target_chart_the_iptt_and_its_workbook(client, personas):
    call_command("generate_register", "--legacy", "93@63", "--per-commune", "3", "--years", "2022", "2023", "2024",
                 verbosity=0)
    client.force_login(personas.leader)
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    notice = "Có số liệu giả lập"
    board = client.get(reverse("dashboard") + "?nam=2024").content.decode()
    assert notice in board and "giả lập</span>" in board
    page = client.get(reverse("dashboard_target", args=[target.pk]) + "?nam=2024").content.decode()
    assert notice in page
    table = page.split('class="data figures"', 1)[1]
    assert len(re.findall(r'class="tag illustrative synthetic">giả lập</span>', table)) == 3  # 2022–2024
    figure = json.loads(re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", page, re.S).group(1))
    points = next(trace for trace in figure if trace.get("name", "").startswith("Số liệu"))
    assert points["name"].endswith("(giả lập)") and all(text.endswith(", giả lập") for text in points["text"])
    assert json.dumps("SỐ LIỆU GIẢ LẬP")[1:-1] in page  # the chart's note, in its JSON
    iptt = client.get(reverse("dashboard_iptt", args=[target.document_id]) + "?nam=2024").content.decode()
    assert notice in iptt and iptt.count('class="tag illustrative synthetic">giả lập</span>') == 3
    response = client.get(reverse("dashboard_iptt_excel", args=[target.document_id]) + "?nam=2024")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "CÓ SỐ LIỆU GIẢ LẬP" in sheet["A2"].value
    notes = {row[1].value: row[-1].value for row in sheet.iter_rows(min_row=4) if row[0].value == "II.2.a.1"}
    assert "số liệu giả lập" in next(iter(notes.values()))
    # Figures entered by people carry no such label.
    Actual.objects.filter(source=ActualSource.SYNTHETIC).update(source=ActualSource.ENTERED)
    rollups.refresh_yearly_values()
    assert notice not in client.get(reverse("dashboard_target", args=[target.pk]) + "?nam=2024").content.decode()
