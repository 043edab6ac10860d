"""What the dashboards read and compute: the table of approved yearly figures and its roll-ups,
late corrections, the illustrative data command, the 2025 mergers, the four task categories, the
cascade's add-up check, the IPTT table and its Excel file, and the figures drawn."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from common.spreadsheets import escape_formula
from dashboards import charts
from dashboards.cascade import cascade_tree
from dashboards.comparison import comparison
from dashboards.iptt import iptt_table
from dashboards.iptt_xlsx import iptt_workbook
from dashboards.judging import evaluate_targets
from dashboards.links import ComparisonLinks, PageOptions
from dashboards.scope import Options, for_judging
from dashboards.target import target_detail
from dashboards.tasks import classify_task, task_summary
from indicators import illustrative, rollups, services
from indicators.evaluation import EvaluationStatus as Status
from indicators.management.commands.generate_illustrative_actuals import generate_task_reports
from indicators.models import Actual, ActualSource, Indicator, Target, TargetKind, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, Agency, Document, Recurrence, Task, UnitLevel
from review.models import ProgressState, ReviewStatus, TaskReport
from tests.conftest import unit

NOW = Options(year=2026)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def target(issuer: str, code: str) -> Target:
    return for_judging(Target.objects.all()).get(document__issuer__code=issuer, code=code)


def figure(code: str, place: AdministrativeUnit, year: int, value=None, numerator=None, denominator=None,
           status=ReviewStatus.APPROVED, source=ActualSource.ENTERED, **extra) -> Actual:
    """One yearly figure saved as the services would leave it (the signal keeps YearlyValue)."""
    return Actual.objects.create(
        indicator=indicator(code), unit=place, year=year, status=status, source=source,
        value=None if value is None else Decimal(str(value)),
        numerator=None if numerator is None else Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator), **extra,
    )


def bulk(code: str, places, years, make) -> None:
    """Many approved figures at once, then the table rebuilt for the indicator (as bulk writers do)."""
    ind = indicator(code)
    Actual.objects.bulk_create([
        Actual(indicator=ind, unit=place, year=year, status=ReviewStatus.APPROVED, **make(place, year))
        for place in places for year in years
    ])
    rollups.refresh_yearly_values(indicator_ids=[ind.pk])


def row(code: str, place: AdministrativeUnit, year: int) -> YearlyValue | None:
    return YearlyValue.objects.filter(indicator__code=code, unit=place, year=year).first()


# ---------------------------------------------------------------------------------------------
# The table of approved yearly figures


def test_only_approved_figures_are_values_and_submitted_ones_are_pending(db):
    hg = unit("93")
    figure("GN01", hg, 2023, value="3.1")
    figure("GN01", hg, 2024, value="2.8", status=ReviewStatus.SUBMITTED)
    figure("GN01", hg, 2022, value="3.5", status=ReviewStatus.DRAFT)
    assert row("GN01", hg, 2023).value == Decimal("3.1000")
    assert (row("GN01", hg, 2024).value, row("GN01", hg, 2024).pending_value) == (None, Decimal("2.8000"))
    assert row("GN01", hg, 2022) is None


def test_a_rate_given_as_a_fraction_is_stored_as_a_percentage(db):
    figure("GN01", unit("93"), 2023, numerator="23", denominator="1250")
    value = row("GN01", unit("93"), 2023)
    assert (value.value, value.numerator, value.denominator) == (Decimal("1.8400"), Decimal("23"), Decimal("1250"))


def test_a_late_correction_awaiting_review_keeps_the_value_last_approved(personas):
    hg_target = target("hg-ubnd", "II.2.a.1")
    actual = services.save_actual(user=personas.officer_hg, indicator=hg_target.indicator, unit=hg_target.territory,
                                  year=2024, value=Decimal("2.5"), target=hg_target)
    services.submit_actual(user=personas.officer_hg, actual=actual)
    services.approve_actual(user=personas.reviewer_hg, actual=actual)
    actual.refresh_from_db()
    services.save_actual(user=personas.officer_hg, indicator=hg_target.indicator, unit=hg_target.territory, year=2024,
                         value=Decimal("2.1"), target=hg_target, expected_version=actual.version,
                         correction_reason="Số liệu rà soát cuối năm")
    stored = row("GN01", hg_target.territory, 2024)
    assert (stored.value, stored.pending_value, stored.is_late_correction) == (Decimal("2.5000"), Decimal("2.1000"), True)
    rollups.refresh_yearly_values()  # a full rebuild finds the approved value in the audit trail
    stored = row("GN01", hg_target.territory, 2024)
    assert (stored.value, stored.pending_value) == (Decimal("2.5000"), Decimal("2.1000"))


def test_a_province_without_its_own_figure_is_the_sum_of_all_its_communes_and_never_a_partial_one(db):
    lai_chau = unit("12", AdminMap.CURRENT)
    communes = list(lai_chau.children.order_by("code"))
    bulk("GN01", communes[:-1], [2025], lambda place, year: {"numerator": Decimal(10), "denominator": Decimal(400)})
    assert row("GN01", lai_chau, 2025) is None  # one commune missing: no partial rate
    figure("GN01", communes[-1], 2025, numerator="30", denominator="600")
    computed = row("GN01", lai_chau, 2025)
    expected = (Decimal(10) * (len(communes) - 1) + 30) * 100 / (Decimal(400) * (len(communes) - 1) + 600)
    assert computed.is_computed and computed.children_count == len(communes)
    assert computed.value == expected.quantize(Decimal("0.0001"))
    figure("GN01", lai_chau, 2025, value="2.0")  # the province's own figure wins
    assert (row("GN01", lai_chau, 2025).value, row("GN01", lai_chau, 2025).is_computed) == (Decimal("2.0000"), False)


def test_the_nation_is_added_up_from_the_provinces_of_the_map_in_force_at_the_end_of_the_year(db):
    legacy = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.LEGACY))
    current = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT))
    bulk("GN04", legacy, [2024], lambda place, year: {"value": Decimal(2)})
    bulk("GN04", current, [2024, 2025], lambda place, year: {"value": Decimal(1)})
    nation = unit("VN", AdminMap.STATISTICAL)
    assert row("GN04", nation, 2024).value == 2 * len(legacy)  # 2024: the 63 provinces
    assert row("GN04", nation, 2025).value == len(current)  # 2025: the 34
    region = AdministrativeUnit.objects.get(code="DBSCL")
    assert row("GN04", region, 2025).value == sum(1 for p in current if p.region_id == region.pk)


def test_only_a_change_of_approved_value_is_added_up_again(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    current = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT))
    bulk("GN04", current, [2025], lambda place, year: {"value": Decimal(1)})
    nation_row = row("GN04", unit("VN", AdminMap.STATISTICAL), 2025)
    commune = current[0].children.first()
    with CaptureQueriesContext(connection) as queries:
        figure("GN04", commune, 2025, value=7, status=ReviewStatus.DRAFT)
    touching = [q["sql"] for q in queries if "indicators_yearlyvalue" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("SELECT")  # one look, no roll-up
    assert row("GN04", commune, 2025) is None
    assert row("GN04", unit("VN", AdminMap.STATISTICAL), 2025).pk == nation_row.pk  # not rebuilt
    draft = Actual.objects.get(indicator__code="GN04", unit=commune)
    draft.status = ReviewStatus.SUBMITTED
    draft.save()
    assert row("GN04", commune, 2025).pending_value == 7
    assert row("GN04", unit("VN", AdminMap.STATISTICAL), 2025).pk == nation_row.pk  # nothing approved changed
    draft.status = ReviewStatus.APPROVED
    draft.save()
    assert row("GN04", commune, 2025).value == 7
    assert row("GN04", unit("VN", AdminMap.STATISTICAL), 2025).pk != nation_row.pk  # added up again


def test_figures_that_do_not_add_up_are_never_rolled_up(db):
    current = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT))
    bulk("DV01", current, [2025], lambda place, year: {"value": Decimal(85)})
    assert row("DV01", unit("VN", AdminMap.STATISTICAL), 2025) is None


# ---------------------------------------------------------------------------------------------
# Illustrative figures


def test_the_illustrative_command_is_deterministic_and_labels_every_figure(db):
    indicators = [indicator("GN01"), indicator("GN03")]
    first = illustrative.draw(indicators, years=[2024, 2025], communes=False)
    second = illustrative.draw(indicators, years=[2024, 2025], communes=False)
    assert [(r.unit_id, r.year, r.figure, r.status) for r in first] == [(r.unit_id, r.year, r.figure, r.status) for r in second]
    gn03 = {(r.unit_id, r.year): r.figure.value for r in first if r.indicator_id == indicators[1].pk}
    gn01 = {(r.unit_id, r.year): r.figure.numerator for r in first if r.indicator_id == indicators[0].pk}
    assert gn03 == {key: Decimal(n) for key, n in gn01.items()}  # poor households = the rate's numerator


def test_the_illustrative_command_keeps_real_figures_and_feeds_the_dashboards(db):
    real = figure("GN01", unit("93"), 2023, value="4.2")
    call_command("generate_illustrative_actuals", "--indicators", "GN01", "--from-year", "2023", "--to-year", "2025",
                 "--no-communes", "--no-task-reports", verbosity=0)
    real.refresh_from_db()
    assert real.value == Decimal("4.2") and real.source == ActualSource.ENTERED
    generated = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE)
    assert generated.filter(unit__level=UnitLevel.COMMUNE).count() == 0
    assert generated.filter(unit__admin_map=AdminMap.CURRENT, unit__level=UnitLevel.PROVINCE, year=2025).count() == 34
    assert not generated.filter(unit__admin_map=AdminMap.LEGACY, year=2025).exists()  # the old map ends in 2024
    assert generated.filter(year=2025, status=ReviewStatus.SUBMITTED).exists()
    nation = row("GN01", unit("VN", AdminMap.STATISTICAL), 2024)
    assert nation.is_computed and nation.is_illustrative
    count = generated.count()
    call_command("generate_illustrative_actuals", "--indicators", "GN01", "--from-year", "2023", "--to-year", "2025",
                 "--no-communes", "--no-task-reports", verbosity=0)
    assert Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).count() == count


def test_illustrative_task_reports_are_labelled_and_replaced_on_a_rerun(db):
    first = generate_task_reports(last_year=2026)
    assert first > 0
    assert generate_task_reports(last_year=2026) == first
    reports = TaskReport.objects.filter(narrative__startswith="[Minh họa]")
    assert reports.count() == first and not reports.exclude(status=ReviewStatus.APPROVED).exists()


# ---------------------------------------------------------------------------------------------
# Merged territories


def test_a_target_after_the_merger_is_judged_on_the_successors_figures_and_says_so(db):
    can_tho = unit("92", AdminMap.CURRENT)
    for year, value in [(2024, "4.0"), (2025, "3.0"), (2026, "1.8")]:
        figure("GN01", can_tho, year, value=value)
    figure("GN01", unit("93"), 2024, value="2.0")
    [status] = evaluate_targets(user=_superuser(), targets=[target("hg-ubnd", "II.2.b.2")], options=NOW)
    assert status.basis == can_tho
    assert status.evaluation.value == Decimal("1.2")  # 3,0 (2025) → 1,8 (2026): never HG's 2,0
    assert [(p.year, p.from_successor, p.used) for p in status.points] == [(2024, False, False), (2025, True, True), (2026, True, True)]
    assert "sáp nhập vào Thành phố Cần Thơ ngày 01/07/2025" in status.merger_note


def test_a_target_spanning_the_merger_is_judged_on_the_old_units_figures_only(db):
    hg, can_tho = unit("93"), unit("92", AdminMap.CURRENT)
    for year, value in [(2020, "5.0"), (2022, "3.0"), (2024, "1.0")]:
        figure("GN01", hg, year, value=value)
    figure("GN01", can_tho, 2025, value="4.5")
    [status] = evaluate_targets(user=_superuser(), targets=[target("hg-ubnd", "II.2.a.1")], options=NOW)
    assert status.basis == hg
    assert status.evaluation.value == Decimal("1")  # (5,0 − 1,0) / 4 years: the 4,5 of Cần Thơ is not used
    assert status.status == Status.ON_TRACK and "chưa có số liệu năm 2025" in status.evaluation.explanation
    shown = {p.year: (p.from_successor, p.used) for p in status.points}
    assert shown[2025] == (True, False)
    assert "không gộp vào đánh giá" in status.merger_note


def test_a_district_is_never_judged_on_the_province_it_passed_into(db):
    bao_loc, lam_dong = unit("673"), unit("68", AdminMap.CURRENT)
    figure("GN03", bao_loc, 2024, value="3")
    figure("GN03", lam_dong, 2025, value="11000")
    [status] = evaluate_targets(user=_superuser(), targets=[target("bl-thu", "I.3.2.2")], options=NOW)
    assert status.basis == bao_loc and [p.year for p in status.points] == [2024]
    assert status.status != Status.MISSED
    assert "bỏ cấp huyện" in status.merger_note


def _superuser():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="sieu").first()
    return user or get_user_model().objects.create_superuser("sieu", password="x-mat-khau-dai-du")


# ---------------------------------------------------------------------------------------------
# Tasks in the Government Office's four categories


def _task(**fields) -> Task:
    document = Document.objects.get(number="18/KH-UBND")
    return Task(pk=10**6, document=document, number="X", **fields)


@pytest.mark.parametrize(
    "completed, today, expected",
    [
        (date(2021, 9, 20), date(2026, 1, 1), "on_time"),
        (date(2021, 10, 5), date(2026, 1, 1), "late"),
        (None, date(2021, 9, 30), "not_due"),
        (None, date(2021, 10, 1), "overdue"),
    ],
)
def test_a_one_off_task_is_on_time_late_not_yet_due_or_overdue(db, completed, today, expected):
    task = _task(due_on=date(2021, 9, 30), recurrence=Recurrence.ONCE)
    reports = [(1, "year", 2021, 0, completed)] if completed else []
    assert classify_task(task, reports, None, 2026, today).category == expected


def test_a_yearly_task_is_judged_on_the_report_of_the_year(db):
    task = _task(recurrence=Recurrence.YEARLY)
    late = [(1, "year", 2025, 0, date(2026, 1, 10))]
    assert classify_task(task, late, None, 2025, date(2026, 5, 1)).category == "late"
    assert classify_task(task, [], None, 2025, date(2026, 5, 1)).category == "overdue"
    assert classify_task(task, [], None, 2026, date(2026, 5, 1)).category == "not_due"
    other_agency = [(2, "year", 2025, 0, date(2025, 12, 1))]
    assert classify_task(task, other_agency, {1}, 2025, date(2026, 5, 1)).category == "overdue"


def test_a_task_without_a_deadline_is_due_at_the_end_of_its_plan_and_a_continuous_one_never(db):
    plain = _task()  # 18/KH-UBND runs to 2030
    assert classify_task(plain, [], None, 2026, date(2026, 5, 1)).category == "not_due"
    assert classify_task(plain, [], None, 2026, date(2031, 1, 2)).category == "overdue"
    continuous = _task(recurrence=Recurrence.CONTINUOUS)
    assert classify_task(continuous, [], None, 2026, date(2031, 1, 2)).category == "not_due"


def test_the_task_summary_follows_the_agency_the_work_passed_to(personas):
    task = Task.objects.select_related("lead_agency").get(document__issuer__code="hg-ubnd", number="IV.1")
    successor = Agency.objects.get(code="ct-so-nnmt")  # Sở LĐ-TB&XH Hậu Giang → Sở NN&MT Hậu Giang → Cần Thơ
    assert task.recurrence == Recurrence.YEARLY and task.lead_agency.code == "hg-so-ldtbxh"
    TaskReport.objects.create(task=task, agency=successor, year=2026, progress=ProgressState.COMPLETED, percent_done=100,
                              completed_on=date(2026, 3, 1), narrative="Đã xong.", status=ReviewStatus.APPROVED)
    summary = task_summary(user=personas.leader, unit=unit("VN", AdminMap.STATISTICAL), year=2026, today=date(2026, 11, 1))
    [status] = [s for s in summary.statuses if s.task == task]
    assert (status.owner, status.category) == (successor, "on_time")
    assert successor.name in [g.label for g in summary.by_agency]
    assert summary.totals.total == len(summary.statuses)


# ---------------------------------------------------------------------------------------------
# The cascade


def test_the_cascade_of_the_national_poverty_target_lists_every_restatement_and_how_it_compares(db):
    tree = cascade_tree(user=_superuser(), target_id=target("tw-bbt", "MT.1").pk, options=NOW)
    by_code = {node.status.target.code: node for node in tree.nodes}
    assert {"II.2.a.1", "II.2.b.2", "II.2.1.1", "II.2.2.1", "I.3.2.1"} <= set(by_code)
    assert by_code["II.2.1.1"].relation.startswith("Chặt hơn cấp trên")  # 1,5–1,7 against 1–1,5
    assert by_code["II.2.a.1"].relation.startswith("Tương đương cấp trên")
    assert by_code["I.3.2.1"].relation.startswith("Khác loại chỉ tiêu")
    assert any("mới phủ 2/63" in check.text and check.ok is None for check in tree.checks)


def test_children_that_cover_the_parent_add_up_against_it(db):
    province = unit("35")  # Hà Nam: six districts on the old map
    districts = list(province.children.all())
    document = Document.objects.get(number="18/KH-UBND")
    jobs = indicator("LD02")
    parent = Target.objects.create(document=document, code="T.1", indicator=jobs, territory=province,
                                   kind=TargetKind.CUMULATIVE, min_value=Decimal(6000), unit="workers",
                                   start_year=2021, end_year=2025, source_quote="thử")
    for i, district in enumerate(districts):
        Target.objects.create(document=document, code=f"T.1.{i}", indicator=jobs, territory=district,
                              kind=TargetKind.CUMULATIVE, min_value=Decimal(1000), unit="workers",
                              start_year=2021, end_year=2025, restates=parent, source_quote="thử")
    tree = cascade_tree(user=_superuser(), target_id=parent.pk, options=NOW)
    [check] = tree.checks
    assert check.ok is True and "6.000 lao động" in check.text
    Target.objects.filter(restates=parent).first().delete()
    [check] = cascade_tree(user=_superuser(), target_id=parent.pk, options=NOW).checks
    assert check.ok is None and f"{len(districts) - 1}/{len(districts)}" in check.text


# ---------------------------------------------------------------------------------------------
# IPTT and the figures


def test_the_iptt_table_gives_target_actual_and_percent_met_per_year(db):
    hg = unit("93")
    for year, value in [(2021, "14000"), (2022, "16000")]:
        figure("LD02", hg, year, value=value)
    table = iptt_table(user=_superuser(), document=Document.objects.get(number="18/KH-UBND"), options=NOW)
    [jobs] = [r for r in table.rows if r.status.target.code == "II.2.a.3"]
    cells = dict(zip(table.years, jobs.cells))
    assert (cells[2021].planned, cells[2021].actual, cells[2021].percent) == (Decimal("15000"), Decimal("14000"), Decimal("93.3333"))
    assert (cells[2022].planned, cells[2022].actual) == (Decimal("30000"), Decimal("30000"))


def test_the_iptt_workbook_escapes_text_a_spreadsheet_would_run(db):
    Indicator.objects.filter(code="LD02").update(name="=HYPERLINK(\"http://x\")")
    table = iptt_table(user=_superuser(), document=Document.objects.get(number="18/KH-UBND"), options=NOW)
    sheet = load_workbook(io.BytesIO(iptt_workbook(table))).active
    names = [cell.value for cell in sheet["B"]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert not any(isinstance(v, str) and v.startswith("=") for row in sheet.iter_rows(values_only=True) for v in row)
    assert escape_formula("-1") == "'-1" and escape_formula(-1.5) == -1.5


def test_the_target_figure_draws_path_figures_pending_corrections_and_projection(db):
    hg = unit("93")
    figure("GN01", hg, 2020, value="5.0")
    figure("GN01", hg, 2021, value="4.2", is_late_correction=True)
    figure("GN01", hg, 2022, value="3.9", status=ReviewStatus.SUBMITTED)
    detail = target_detail(user=_superuser(), target_id=target("hg-ubnd", "II.2.a.1").pk, options=Options(2022, include_pending=True))
    names = [trace.name for trace in charts.target_figure(detail).data]
    assert any(n.startswith("Lộ trình chỉ tiêu") for n in names)
    assert {"Chờ duyệt", "Sửa sau khi duyệt"} <= set(names)
    assert any(n.startswith("Xu hướng đến 2025") for n in names)
    assert [p.low for p in detail.path][:3] == [Decimal("5.0000"), Decimal("4.0000"), Decimal("3.0000")]


def test_a_click_on_a_comparison_bar_opens_the_units_below(db):
    current = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT))
    bulk("GN01", current, [2025], lambda place, year: {"value": Decimal("2.5")})
    comp = comparison(user=_superuser(), indicator=indicator("GN01"), parent=unit("VN", AdminMap.STATISTICAL), options=Options(2025))
    figure_ = charts.comparison_figure(comp, drill_urls=ComparisonLinks(comp, PageOptions(2025)).drill_urls)
    assert len(figure_.data[0].x) == 34
    assert all("/bang-dieu-khien/so-sanh/" in url and "dia_ban=" in url for url in figure_.data[0].customdata)
    assert "plotly_click" in charts.figure_html(figure_, drill_down=True)
