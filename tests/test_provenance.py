"""Who or what produced a record: every page shows it, for records from every path, most without an author.

Figures come in by the form, the workbook import (with or without a signed-in user), bulk actuals,
the household-register recompute and the illustrative generator; task reports by the form, the
generator or a seed. None of the pages that show them may depend on `created_by` being set.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exchange.models import ImportRecord, ImportStatus
from exchange.workbook import records as workbook
from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import sheet_headers
from households import services as household_services
from indicators.models import Actual, ActualSource, Indicator, Target
from plans.models import Membership, Role, Task
from review import provenance
from review.models import AuditEntry, ExplanationRequest, ProgressState, RecordSource, ReviewStatus, TaskReport
from tests.conftest import make_user
from tests.test_workbook import row_of, xlsx

YEAR = 2024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def named(personas):
    """The personas with the names people have, so that a name shown is told from a user name."""
    for user, first, last in ((personas.admin, "Nguyễn Văn", "A"), (personas.reviewer_hg, "Trần Thị", "Duyệt"),
                              (personas.leader, "Lê Văn", "Lãnh")):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return personas


def hg_target(code: str) -> Target:
    """Hậu Giang's targets of KH 18/KH-UBND (legacy unit 93): II.2.a.1 … II.2.a.4."""
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code=code)


def hg_task() -> Task:
    return Task.objects.select_related("lead_agency").get(document__issuer__code="hg-ubnd", number="IV.1")


def day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def figure_row(indicator_code: str, year: int, value: str, status: str = "Đã gửi") -> list:
    return row_of("actuals", **{"Mã chỉ số": indicator_code, "Mã địa bàn": "93", "Bản đồ": "63", "Năm": year,
                                "Kỳ": "Năm", "Số kỳ": 0, "Giá trị": value, "Trạng thái": status})


def import_through_the_service(rows: list[list], *, name: str, user=None) -> ImportRecord:
    """Upload, check, confirm and write, as the upload page and its worker do."""
    record = workbook.store_upload(user=user, files=[SimpleUploadedFile(name, xlsx({"actuals": rows}))])
    record = workbook.check_record(record)
    assert record.status == ImportStatus.CHECKED and not record.error_count, record.errors
    record = workbook.apply_record(workbook.claim_for_apply(record.pk, user=None))
    assert record.status == ImportStatus.APPLIED, record.message
    return record


def import_in_bulk(rows: list[list], *, method: str, import_record=None) -> None:
    headers = sheet_headers("actuals")
    sheet = SheetRows(headers=headers, open_rows=lambda: iter(enumerate(rows, start=2)), total=len(rows))
    result = import_actuals(sheet, user=None, method=method, import_record=import_record)
    assert not result.error_count, result.errors


def seeded_report(task: Task, year: int, **fields) -> TaskReport:
    """A task report no one entered (a seed, a fixture, an import of old reports)."""
    now = timezone.now()
    return TaskReport.objects.create(
        task=task, agency=task.lead_agency, year=year, progress=ProgressState.IN_PROGRESS, percent_done=50,
        narrative="Báo cáo nạp sẵn.", status=ReviewStatus.SUBMITTED, submitted_at=now, created_by=None, **fields,
    )


def register_figures(commune) -> list[Actual]:
    """The register recompute of 2025 for two households of a Cần Thơ commune."""
    officer = make_user("canbo.xa.nguongoc")
    Membership.objects.create(user=officer, unit=commune, role=Role.OFFICER)
    for code, income in (("NG-1", 1_000_000), ("NG-2", 5_000_000)):
        household = household_services.save_household(
            user=officer, commune=commune, code=code, head_name="Phạm Văn Hộ", village="Ấp 2", members=4, area="rural",
        )
        household_services.save_review(user=officer, household=household, year=2025, income=income,
                                       deprivations=["bhyt", "nha-tieu", "viec-lam"])
    household_services.recompute_register(year=2025)
    return list(Actual.objects.filter(source=ActualSource.REGISTER, unit=commune, year=2025))


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def provenance_cell(page: str, url: str) -> str:
    """The "Người nhập / nguồn" cell of the review-queue row that links to `url`."""
    row = page.split(f'href="{url}"', 1)[1].split("</tr>", 1)[0]
    return row.split('<td class="provenance">', 1)[1].split("</td>", 1)[0]


def detail_provenance(page: str) -> str:
    return page.split('<dd class="provenance">', 1)[1].split("</dd>", 1)[0]


# ---------------------------------------------------------------------------------------------
# produced_by, person_name, audit_actor


def test_a_person_is_named_by_full_name_else_user_name_and_nobody_is_a_dash(db):
    user = make_user("canbo.thu")
    assert provenance.person_name(user) == "canbo.thu"
    user.first_name, user.last_name = "Nguyễn Văn", "A"
    assert provenance.person_name(user) == "Nguyễn Văn A"
    assert provenance.person_name(None) == "—"


@pytest.mark.parametrize("source, text", [
    (RecordSource.REGISTER, "Tính từ sổ hộ nghèo"),
    (RecordSource.SYNTHETIC, "Tính từ sổ hộ giả lập"),
    (RecordSource.ILLUSTRATIVE, "Số liệu minh họa (tự sinh)"),
    (RecordSource.IMPORTED, "Nhập từ tệp"),
    (RecordSource.ENTERED, "—"),
])
def test_a_record_without_an_author_says_what_produced_it(db, source, text):
    assert provenance.produced_by(Actual(source=source)) == text
    assert provenance.produced_by(TaskReport(source=source)) == text


def test_an_import_names_its_file_and_day_and_the_person_when_there_is_one(db):
    applied = timezone.make_aware(datetime.datetime(2026, 12, 5, 23, 30))  # 5/12 in Hà Nội time
    record = ImportRecord.objects.create(file_name="so-lieu-2026.xlsx", checksum="0" * 64, size=1,
                                         status=ImportStatus.APPLIED, applied_at=applied)
    person = make_user("canbo.nhap")
    person.first_name, person.last_name = "Nguyễn Văn", "A"
    person.save()
    alone = Actual(source=RecordSource.IMPORTED, import_record=record)
    assert provenance.produced_by(alone) == "Nhập từ tệp so-lieu-2026.xlsx (05/12/2026)"
    assert provenance.produced_by(Actual(source=RecordSource.IMPORTED, import_record=record, created_by=person)) == (
        "Nguyễn Văn A · nhập từ tệp so-lieu-2026.xlsx (05/12/2026)"
    )
    assert provenance.produced_by(TaskReport(source=RecordSource.IMPORTED, created_by=person)) == "Nguyễn Văn A · nhập từ tệp"
    # Not applied yet: the day it was uploaded.
    ImportRecord.objects.filter(pk=record.pk).update(applied_at=None, status=ImportStatus.CHECKED)
    record.refresh_from_db()
    assert provenance.produced_by(alone) == f"Nhập từ tệp so-lieu-2026.xlsx ({day(record.created_at)})"


def test_a_person_who_entered_a_figure_is_named_whatever_its_source(db):
    person = make_user("canbo.tay")
    assert provenance.produced_by(Actual(source=RecordSource.ENTERED, created_by=person)) == "canbo.tay"
    assert provenance.produced_by(Actual(source=RecordSource.REGISTER, created_by=person)) == "canbo.tay"


@pytest.mark.parametrize("action, reason, text", [
    ("import", "Nhập từ tệp ke-hoach.xlsx", "Nhập từ tệp ke-hoach.xlsx"),
    ("import", "Nhập từ bảng tính", "Nhập từ tệp"),
    ("register", "", "Tính từ sổ hộ nghèo"),
    ("synthetic", "", "Tính từ sổ hộ giả lập"),
    ("illustrative", "", "Số liệu minh họa (tự sinh)"),
    ("update", "", "Hệ thống"),
])
def test_an_audit_entry_without_a_user_says_what_wrote_it(db, action, reason, text):
    assert provenance.audit_actor(AuditEntry(action=action, reason=reason)) == text
    assert provenance.audit_actor(AuditEntry(action=action, reason=reason, user=make_user("ai.do"))) == "ai.do"


# ---------------------------------------------------------------------------------------------
# The writers say how their records came in


@pytest.mark.parametrize("method", ["copy", "batched"])
def test_bulk_actuals_write_the_source_and_the_import_on_new_and_changed_figures(db, method):
    code = hg_target("II.2.a.1").indicator.code
    first = ImportRecord.objects.create(file_name="dau.xlsx", checksum="1" * 64, size=1)
    second = ImportRecord.objects.create(file_name="sau.xlsx", checksum="2" * 64, size=1)
    import_in_bulk([figure_row(code, 2021, "3,1")], method=method, import_record=first)
    figure = Actual.objects.get(indicator__code=code, unit__code="93", year=2021)
    assert (figure.source, figure.import_record_id, figure.created_by_id) == (RecordSource.IMPORTED, first.pk, None)
    import_in_bulk([figure_row(code, 2021, "2,9")], method=method, import_record=second)
    figure.refresh_from_db()
    assert (figure.value, figure.import_record_id) == (Decimal("2.9"), second.pk)
    entry = AuditEntry.objects.get(object_id=figure.pk, action="import")
    assert entry.user_id is None and provenance.audit_actor(entry) == "Nhập từ tệp"


# ---------------------------------------------------------------------------------------------
# Every page, for records from every path


@pytest.fixture
def records(named, commune):
    """One record from every path, none with an author but the import of the administrator."""
    t1, t2, t3, t4 = (hg_target(code).indicator.code for code in ("II.2.a.1", "II.2.a.2", "II.2.a.3", "II.2.a.4"))
    anonymous = import_through_the_service([figure_row(t1, YEAR, "2,41")], name="ke-hoach.xlsx")
    signed = import_through_the_service([figure_row(t2, YEAR, "5,5")], name="so-lieu-xa.xlsx", user=named.admin)
    import_in_bulk([figure_row(t3, YEAR, "120")], method="copy")
    import_in_bulk([figure_row(t4, YEAR, "7")], method="batched")
    # The anonymous import again with another value: the figure's history gets an entry without a user.
    again = import_through_the_service([figure_row(t1, YEAR, "2,2")], name="ke-hoach-sua.xlsx")
    illustrative = Actual.objects.create(
        indicator=Indicator.objects.get(code=t1), unit=hg_target("II.2.a.1").territory, year=YEAR - 1, value=Decimal("3"),
        source=RecordSource.ILLUSTRATIVE, status=ReviewStatus.SUBMITTED, submitted_at=timezone.now(),
    )
    task = hg_task()
    seeded = seeded_report(task, YEAR)
    imported_report = seeded_report(task, YEAR - 1, source=RecordSource.IMPORTED, import_record=signed)
    ExplanationRequest.objects.create(target=hg_target("II.2.a.1"), unit=hg_target("II.2.a.1").territory,
                                      question="Vì sao số liệu nhập từ tệp?", requested_by=named.leader)
    by_code = {a.indicator.code: a for a in Actual.objects.filter(unit__code="93", year=YEAR).select_related("indicator")}
    return {
        "anonymous": (by_code[t1], f"Nhập từ tệp ke-hoach-sua.xlsx ({day(again.applied_at)})"),
        "signed": (by_code[t2], f"Nguyễn Văn A · nhập từ tệp so-lieu-xa.xlsx ({day(signed.applied_at)})"),
        "copy": (by_code[t3], "Nhập từ tệp"),
        "batched": (by_code[t4], "Nhập từ tệp"),
        "illustrative": (illustrative, "Số liệu minh họa (tự sinh)"),
        "seeded_report": (seeded, "—"),
        "imported_report": (imported_report, f"Nhập từ tệp so-lieu-xa.xlsx ({day(signed.applied_at)})"),
        "register": [(figure, "Tính từ sổ hộ nghèo") for figure in register_figures(commune)],
        "first_import": anonymous,
    }


def detail_url(record) -> str:
    if isinstance(record, TaskReport):
        return reverse("task_report_detail", args=[record.pk])
    return reverse("actual_detail", args=[record.pk])


def test_the_review_queue_names_who_or_what_produced_each_record(client, named, records):
    client.force_login(named.reviewer_hg)
    page = html(client.get(reverse("review_queue")))
    assert "Trần Thị Duyệt" in page.split("<main>")[0]  # the header names the signed-in user
    for key in ("anonymous", "signed", "copy", "batched", "illustrative", "seeded_report", "imported_report"):
        record, text = records[key]
        assert provenance_cell(page, detail_url(record)) == text, key


@pytest.mark.parametrize("who", ["reviewer_hg", "leader", "admin"])
def test_every_detail_and_history_page_answers_and_names_the_producer(client, named, records, who):
    client.force_login(getattr(named, who))
    pairs = [records[key] for key in ("anonymous", "signed", "copy", "batched", "illustrative", "seeded_report",
                                      "imported_report")] + records["register"]
    assert len(records["register"]) >= 4  # GN01, GN02 and the counts of the commune
    for record, text in pairs:
        page = html(client.get(detail_url(record)))
        assert detail_provenance(page) == text, (who, record.source)
        assert 'id="nhat-ky"' in page


def test_the_history_says_which_import_changed_a_figure_when_nobody_signed_in(client, named, records):
    client.force_login(named.reviewer_hg)
    figure, _text = records["anonymous"]
    page = html(client.get(reverse("actual_detail", args=[figure.pk])))
    history = page.split('id="nhat-ky"', 1)[1]
    assert "<td>Nhập từ tệp ke-hoach-sua.xlsx</td>" in history


def test_the_explanation_pages_and_the_import_pages_answer_for_records_without_an_author(client, named, records):
    client.force_login(named.leader)
    assert "Lê Văn Lãnh" in html(client.get(reverse("explanation_list")))
    figure, _text = records["anonymous"]
    assert "Lê Văn Lãnh yêu cầu lúc" in html(client.get(reverse("actual_detail", args=[figure.pk])))
    client.force_login(named.admin)
    home = html(client.get(reverse("import_home")))
    assert "<td>—</td>" in home and "<td>Nguyễn Văn A</td>" in home
    first = records["first_import"]
    assert "· —" in html(client.get(reverse("import_detail", args=[first.pk])))


def test_the_illustrative_generator_and_its_task_reports_show_on_every_page(client, named):
    call_command("generate_illustrative_actuals", "--from-year", "2026", "--to-year", "2026", "--indicators", "LD02",
                 verbosity=0)
    figures = Actual.objects.filter(source=RecordSource.ILLUSTRATIVE, indicator__code="LD02", year=2026,
                                    unit__parent__code="92")
    pending = figures.filter(status=ReviewStatus.SUBMITTED)
    assert figures.exists() and pending.exists() and not figures.filter(created_by__isnull=False).exists()
    client.force_login(named.reviewer_hg)
    queue = html(client.get(reverse("review_queue")))
    for figure in pending:
        assert provenance_cell(queue, reverse("actual_detail", args=[figure.pk])) == "Số liệu minh họa (tự sinh)"
    assert detail_provenance(html(client.get(reverse("actual_detail", args=[figures.first().pk])))) == (
        "Số liệu minh họa (tự sinh)"
    )
    reports = TaskReport.objects.filter(narrative__startswith="[Minh họa]", created_by__isnull=True)
    assert reports.exists()
    client.force_login(named.leader)
    for report in reports.order_by("pk")[:5]:
        page = html(client.get(reverse("task_report_detail", args=[report.pk])))
        assert detail_provenance(page) == provenance.produced_by(report) != ""


def test_the_review_queue_runs_the_same_queries_however_many_records_and_imports(client, named):
    codes = [hg_target(code).indicator.code for code in ("II.2.a.1", "II.2.a.2")]
    task = hg_task()

    def add_records(year: int) -> None:
        import_through_the_service([figure_row(codes[0], year, "2,5")], name=f"nam-{year}.xlsx")
        import_through_the_service([figure_row(codes[1], year, "4")], name=f"nam-{year}-b.xlsx", user=named.admin)
        import_in_bulk([figure_row(codes[0], year - 10, "3")], method="batched")
        seeded_report(task, year)
        seeded_report(task, year - 10, source=RecordSource.IMPORTED,
                      import_record=ImportRecord.objects.order_by("-pk").first())

    client.force_login(named.reviewer_hg)
    counts = []
    for years in ((2021,), (2022, 2023, 2024)):
        for year in years:
            add_records(year)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("review_queue"))
        assert len(response.context["items"]) == 5 * (1 if years == (2021,) else 4)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert "nam-2024-b.xlsx" in html(response)
