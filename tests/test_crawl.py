"""Every page a user can reach answers, for every persona and every record however it came in.

Each demo persona and an anonymous visitor follow the links from the home page and the menu
(tests/crawl.py: each URL shape with a few distinct objects, bounded), plus the detail page of a
record from every write path. A crawl fails on a 5xx and on an invalid template variable; on
PostgreSQL each page is then visited again after more data of every kind was added, and fails
when its query count grew.

With CRAWL_EXISTING_DATABASE=1 (`make demo-check`) the crawl runs once against the database that
DATABASE_URL names, as it is (the demo database `make run` builds), without a test database.
"""

import io
import os
from copy import deepcopy
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from exchange.models import ImportRecord, ImportStatus
from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import SHEET_TITLES, sheet_headers
from households import services as household_services
from households.management.commands.generate_register import DEMO_OFFICER
from households.models import Household
from indicators import services
from indicators.models import Actual, Target
from plans.management.commands.create_demo_users import DEMO_USERS
from plans.models import Task
from review.models import Evidence, RecordSource, TaskReport
from tests import sample_files
from tests.crawl import ADMIN, INVALID_MARKER, crawl, visit

EXISTING = os.environ.get("CRAWL_EXISTING_DATABASE") == "1"
PERSONAS = [row[0] for row in DEMO_USERS] + [DEMO_OFFICER]
ANONYMOUS = "(anonymous)"
PER_SHAPE = 3
LIMIT = 600
EXPORTS = "/xuat-du-lieu/"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


PDF = sample_files.pdf_bytes()

if EXISTING:
    @pytest.fixture(scope="session")
    def django_db_setup():
        """The database DATABASE_URL names is used as it is: no test database, nothing loaded."""


MENU = ["home", "document_list", "my_work", "review_queue", "dashboard", "register_home", "export_home", "import_home",
        "explanation_list", "admin:index"]


def start_urls() -> list[str]:
    return [reverse(name) for name in MENU]


def record_urls() -> list[str]:
    """The detail page of one record of every kind and every way in: visited outside the bound."""
    urls = []
    for source in RecordSource.values:
        actual = Actual.objects.filter(source=source).order_by("pk").first()
        if actual:
            urls.append(reverse("actual_detail", args=[actual.pk]))
            target = Target.objects.filter(indicator=actual.indicator_id, territory=actual.unit_id).order_by("pk").first()
            if target:
                urls += [reverse("dashboard_target", args=[target.pk]), reverse("document_detail", args=[target.document_id])]
        report = TaskReport.objects.filter(source=source).order_by("pk").first()
        if report:
            urls += [reverse("task_report_detail", args=[report.pk]), reverse("document_detail", args=[report.task.document_id])]
    for status in ("draft", "submitted", "approved", "returned"):
        actual = Actual.objects.filter(status=status, import_record__isnull=False).order_by("pk").first()
        if actual:
            urls.append(reverse("actual_detail", args=[actual.pk]))
    for status in ImportStatus.values:
        record = ImportRecord.objects.filter(status=status).order_by("pk").first()
        if record:
            urls.append(reverse("import_detail", args=[record.pk]))
    for evidence in Evidence.objects.order_by("pk")[:2]:
        urls.append(reverse("evidence_download", args=[evidence.pk]))
    for synthetic in (True, False):
        household = Household.objects.filter(is_synthetic=synthetic).order_by("pk").first()
        if household:
            urls.append(reverse("household_detail", args=[household.pk]))
            urls.append(reverse("household_list", args=[household.commune_id]))
    return urls


# ---------------------------------------------------------------------------------------------
# The records: every write path, through its own service, command or page


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(SHEET_TITLES[name])
        sheet.append(sheet_headers(name))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row(sheet: str, **cells) -> list:
    assert set(cells) <= set(sheet_headers(sheet)), set(cells) - set(sheet_headers(sheet))
    return [cells.get(header, "") for header in sheet_headers(sheet)]


def _figure_row(code: str, unit_code: str, year: int, value: str, status: str) -> list:
    return _row("actuals", **{"Mã chỉ số": code, "Mã địa bàn": unit_code, "Bản đồ": "63", "Năm": year, "Kỳ": "Năm",
                              "Số kỳ": 0, "Giá trị": value, "Trạng thái": status})


def _sheet(rows: list[list]) -> SheetRows:
    return SheetRows(headers=sheet_headers("actuals"), open_rows=lambda: iter(enumerate(rows, start=2)), total=len(rows))


def _workbook_import(admin, sheets: dict[str, list[list]], name: str, *, apply: bool = True) -> ImportRecord:
    """Through the import pages, as an administrator uploads and confirms a workbook."""
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile(name, _xlsx(sheets))]})
    assert response.status_code == 302, response.content.decode()[-3000:]
    record = ImportRecord.objects.order_by("-pk").first()
    if apply:
        client.post(reverse("import_apply", args=[record.pk]))
        record.refresh_from_db()
    return record


def _hg_target(code: str) -> Target:
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code=code)


def _entered_figures(users, target: Target, years: list[int], *, late: bool = False) -> None:
    """Figures of Hậu Giang entered on the page: approved, returned, submitted and draft."""
    officer, reviewer = users["canbo.haugiang"], users["duyet.haugiang"]
    evidence_done = False
    for year, end in zip(years, ["approved", "returned", "submitted", "draft"]):
        actual = services.save_actual(user=officer, indicator=target.indicator, unit=target.territory, year=year,
                                      value=Decimal(year % 7 + 2), target=target)
        if not evidence_done:
            services.attach_evidence(user=officer, upload=SimpleUploadedFile("bien-ban.pdf", PDF), actual=actual)
            evidence_done = True
        if end == "draft":
            continue
        actual = services.submit_actual(user=officer, actual=actual)
        if end == "approved":
            actual = services.approve_actual(user=reviewer, actual=actual)
            if late:
                services.save_actual(user=officer, indicator=target.indicator, unit=target.territory, year=year,
                                     value=actual.value + 1, target=target, expected_version=actual.version,
                                     correction_reason="Cập nhật theo phúc tra")
        elif end == "returned":
            services.return_actual(user=reviewer, actual=actual, comment="Thiếu số liệu huyện")


def _task_reports(users, task: Task, years: list[int]) -> None:
    officer, reviewer = users["canbo.haugiang"], users["duyet.haugiang"]
    for year, end in zip(years, ["approved", "returned", "submitted", "draft"]):
        report = services.save_task_report(user=officer, task=task, agency=task.lead_agency, year=year,
                                           progress="in_progress", percent_done=40, narrative=f"Đã triển khai năm {year}")
        if year == years[0]:
            services.attach_evidence(user=officer, upload=SimpleUploadedFile("bao-cao.pdf", PDF), task_report=report)
        if end == "draft":
            continue
        report = services.submit_task_report(user=officer, report=report)
        if end == "approved":
            services.approve_task_report(user=reviewer, report=report)
        elif end == "returned":
            services.return_task_report(user=reviewer, report=report, comment="Bổ sung minh chứng")


def _free_years(task: Task, count: int) -> list[int]:
    """Years without a report of the task's lead agency (the illustrative generator writes some)."""
    taken = set(TaskReport.objects.filter(task=task, agency=task.lead_agency_id).values_list("year", flat=True))
    return [year for year in range(2021, 2031) if year not in taken][:count]


def _explanations(users, target: Target, task: Task, label: str) -> None:
    asked = services.request_explanation(user=users["lanhdao"], target=target, question=f"Vì sao chậm ({label})?")
    services.answer_explanation(user=users["canbo.haugiang"], request=asked, answer="Do thiên tai")
    services.request_explanation(user=users["lanhdao"], task=task, question=f"Tiến độ nhiệm vụ ({label})?")


def _households(users, count: int, first_year: int = 2024) -> None:
    """Households entered on the page by the commune officer, with their reviews."""
    officer = users[DEMO_OFFICER]
    commune = officer.memberships.get().unit
    for number in range(count):
        household = household_services.save_household(
            user=officer, commune=commune, head_name=f"Nguyễn Văn Thử {number}", members=4, village="Ấp 1")
        for year, income in ((first_year, 1_200_000), (first_year + 1, 2_600_000)):
            household_services.save_review(user=officer, household=household, year=year,
                                           deprivations=[] if income > 2_000_000 else ["viec-lam", "bhyt", "chat-luong-nha"],
                                           income=income)


def build_records(users) -> None:
    admin = users["admin"]
    poverty, jobs = _hg_target("II.2.a.1"), _hg_target("II.2.a.3")
    task = Task.objects.filter(lead_agency__code="hg-so-ldtbxh").order_by("pk").first()
    _entered_figures(users, poverty, [2021, 2022, 2023])
    _entered_figures(users, jobs, [2021, 2022, 2023, 2024], late=True)
    _task_reports(users, task, [2021, 2022, 2023, 2024])
    _explanations(users, poverty, task, "1")
    with TestCase.captureOnCommitCallbacks(execute=True):
        _workbook_import(admin, {"actuals": [_figure_row("GN02", "93", year, f"{5 - year % 10},1", status)
                                             for year, status in ((2021, "Nháp"), (2022, "Đã gửi"), (2023, "Đã duyệt"))]},
                         "so-lieu-hg.xlsx")
        _workbook_import(admin, {"actuals": [_figure_row("GN01", "46", year, f"{6 - year % 10},2", status)
                                             for year, status in ((2021, "Nháp"), (2022, "Đã gửi"), (2023, "Đã duyệt"))]},
                         "so-lieu-hue.xlsx")
        _workbook_import(admin, {"actuals": [_figure_row("GN01", "46", 2021, "150", "")]}, "co-loi.xlsx", apply=False)
        _workbook_import(admin, {"actuals": [_figure_row("GN02", "46", 2021, "3", "")]}, "chua-ghi.xlsx", apply=False)
        import_actuals(_sheet([_figure_row("GN01", "24", year, f"{9 - year % 10},3", status)
                               for year, status in ((2021, "Đã duyệt"), (2022, "Đã gửi"), (2023, "Nháp"))]), method="copy")
        with override_settings(DEBUG=True):  # the commune officer canbo.xa, as in the demo
            call_command("generate_register", demo=True, per_commune=1, years=[2024, 2025], verbosity=0)
        users[DEMO_OFFICER] = get_user_model().objects.get(username=DEMO_OFFICER)
        _households(users, 2)
        household_services.recompute_register(year=2025)
        call_command("generate_illustrative_actuals", indicators="LD01,LD02,GN04", from_year=2024, to_year=2025,
                     no_communes=True, verbosity=0)


def add_more_records(users) -> None:
    """More of every kind, on the objects the first crawl visited: pages must not query per row."""
    admin = users["admin"]
    poverty = _hg_target("II.2.a.1")
    tasks = list(Task.objects.filter(lead_agency__code="hg-so-ldtbxh").order_by("pk")[:3])
    _entered_figures(users, _hg_target("II.2.a.4"), [2021, 2022])
    services.attach_evidence(user=users["canbo.haugiang"], upload=SimpleUploadedFile("them.pdf", PDF),
                             actual=Actual.objects.filter(source="entered", status="draft").order_by("pk").first())
    _task_reports(users, tasks[0], _free_years(tasks[0], 1))
    for other in tasks[1:]:
        _task_reports(users, other, _free_years(other, 2))
    _explanations(users, poverty, tasks[0], "2")
    with TestCase.captureOnCommitCallbacks(execute=True):
        record = _workbook_import(admin, {
            "tasks": [_row("tasks", **{"Số hiệu văn bản": "18/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd",
                                       "Số thứ tự": f"III.{n}.9", "Số thứ tự mục cha": f"III.{n}", "Nội dung": f"Nhiệm vụ thêm {n}",
                                       "Mã cơ quan chủ trì": "hg-so-ldtbxh", "Mã cơ quan phối hợp": "hg-so-ban-nganh;hg-ubnd-huyen",
                                       "Tần suất": "Hằng năm", "Thứ tự": 900 + n}) for n in (1, 2)],
            "targets": [_row("targets", **{"Số hiệu văn bản": "18/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd",
                                           "Mã chỉ tiêu": "II.2.a.9", "Mã chỉ số": "GN01", "Mã địa bàn": "93", "Bản đồ": "63",
                                           "Loại chỉ tiêu": "Mức tại thời điểm", "Giá trị tối đa": "5", "Đơn vị": "%",
                                           "Từ năm": 2021, "Đến năm": 2025, "Hạn": "31/12/2025", "Thứ tự": 900,
                                           "Trích dẫn nguồn": "Tỷ lệ hộ nghèo dưới 5%"})],
            "actuals": [_figure_row("GN02", "93", year, "2,2", "Đã duyệt") for year in (2020, 2024)],
        }, "them-hg.xlsx")
        assert record.status == "applied", record.errors
        _workbook_import(admin, {"actuals": [_figure_row("GN01", "46", 2021, "150", "")]}, "co-loi-2.xlsx", apply=False)
        import_actuals(_sheet([_figure_row("GN01", code, year, "1,5", "Đã duyệt")
                               for code in ("24", "93") for year in (2019, 2020)]), method="copy")
        _households(users, 3, first_year=2023)
        household_services.recompute_register(year=2025)
        # Other indicators, no task reports: the generator replaces what it made before, and the
        # pages of those records must stay to be compared.
        call_command("generate_illustrative_actuals", indicators="GN05,DV01", from_year=2023, to_year=2026,
                     no_communes=True, no_task_reports=True, verbosity=0)


# ---------------------------------------------------------------------------------------------
# The crawl


@pytest.fixture(scope="module")
def crawl_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The records, built once for the module in a transaction rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        if EXISTING:
            yield
            return
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), transaction.atomic():
            call_command("create_demo_users", force=True, verbosity=0)
            users = {user.username: user for user in get_user_model().objects.filter(username__in=PERSONAS)}
            build_records(users)
            yield users
            transaction.set_rollback(True)


@pytest.fixture
def marker(settings):
    templates = deepcopy(django_settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = INVALID_MARKER
    settings.TEMPLATES = templates


def _client(persona: str) -> Client:
    client = Client()
    if persona != ANONYMOUS:
        client.force_login(get_user_model().objects.get(username=persona))  # with the second factor (conftest)
    return client


def _write_list(persona: str, visits) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = "crawl-demo" if EXISTING else "crawl"
    with (ARTIFACTS / f"{name}-{persona.strip('()')}.txt").open("w") as out:
        shapes = {v.shape for v in visits}
        out.write(f"# {persona}: {len(visits)} URLs, {len(shapes)} shapes ({connection.vendor})\n")
        for v in visits:
            out.write(f"{v.status} {v.queries:4d} {v.seconds * 1000:6.0f} ms {v.url}  [{v.shape}]\n")


def _problems(visits) -> list[str]:
    found = []
    for v in visits:
        if v.status >= 500:
            found.append(f"{v.status} {v.url} {v.error}")
        if v.invalid:
            found.append(f"invalid variables {sorted(set(v.invalid))} on {v.url}")
    return found


VISITS: dict[str, list] = {}  # each persona's first crawl, for the query-count test below
# One persona of each way of seeing: everything (admin), the whole country read-only (leader), a
# province agency's officer (whose reviewer and the other province's officer see the same pages
# scoped alike) and a commune officer (households).
GROWTH_PERSONAS = ["admin", "lanhdao", "canbo.haugiang", DEMO_OFFICER]


def _crawl(persona: str):
    return crawl(_client(persona), start_urls(), per_shape=PER_SHAPE, limit=LIMIT, extra=record_urls())


@pytest.mark.parametrize("persona", PERSONAS + [ANONYMOUS])
def test_every_page_answers_without_an_invalid_variable(crawl_data, db, marker, persona):
    visits = VISITS[persona] = _crawl(persona)
    _write_list(persona, visits)
    print(f"\n{persona}: {len(visits)} URLs, {len({v.shape for v in visits})} shapes")
    assert len(visits) > (1 if persona == ANONYMOUS else 20), [v.url for v in visits]
    assert _problems(visits) == []


@pytest.mark.skipif(EXISTING, reason="one database as it is: nothing is added")
def test_no_page_runs_more_queries_once_there_is_more_data(crawl_data, db, marker):
    """The first URL of every shape each persona reached and the pages of the records of every
    write path, visited again after more of everything was added."""
    before = {}
    records = set(record_urls())
    for persona in GROWTH_PERSONAS:
        visits = VISITS.get(persona) or _crawl(persona)
        chosen = {}
        for v in visits:
            # The Django admin is Django's; an .xlsx list reads what its .csv twin reads.
            if v.status == 200 and not v.url.startswith(ADMIN) and not (v.url.startswith(EXPORTS) and v.url.endswith(".xlsx")):
                chosen.setdefault(v.url if v.url in records else v.shape, v)
        before[persona] = list(chosen.values())
    add_more_records(dict(crawl_data))
    grown = []
    for persona, visits in before.items():
        client = _client(persona)
        for old in visits:
            new, _ = visit(client, old.url)
            if new.status != old.status:
                grown.append(f"{persona} {old.url}: {old.status} -> {new.status}, not compared {new.error}")
            elif new.page_queries > old.page_queries:
                grown.append(f"{persona} {old.url}: {old.page_queries} -> {new.page_queries} queries")
                if os.environ.get("CRAWL_SHOW_QUERIES"):
                    print("\n".join(["", grown[-1], *old.sql, "-- after:", *new.sql]))
    print(f"\nquery counts compared on {sum(map(len, before.values()))} pages")
    assert grown == []
