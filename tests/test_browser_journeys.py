"""Browser journeys: real people's paths through the app in Debian's chromium (Playwright).

An officer and a reviewer take a figure and a task report through return and approval; a leader
follows the approved figure onto the drawn chart, drills down from a province to its communes and
downloads the IPTT table; an administrator imports a workbook with a wrong row, fixes it from the
error workbook and confirms; and the pages work in English and in a phone-sized window. Each
journey ends with a screenshot in artifacts/screenshots/.

The live server runs in another thread, so the data is committed (committed_country) and every
person signs in through the login form. A JavaScript error, a failed request or a server error on
any page fails the journey (tests.browser).
"""

import re
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from exchange.models import ImportRecord, ImportStatus
from indicators import rollups, services
from indicators.models import Actual, ActualSource, Indicator, Target
from plans.models import AdminMap, Role, Task
from review.models import AuditEntry, Evidence, ReviewStatus, TaskReport
from tests import sample_files
from tests.browser import (  # noqa: F401 (browser and browsing are fixtures)
    PHONE,
    browser,
    browsing,
    log_in,
    overflow,
    plot_data,
    save_download,
    screenshot,
    wide_elements,
)
from tests.conftest import make_user, unit

YEAR = 2024
pytestmark = pytest.mark.usefixtures("committed_country")


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """Uploaded files kept out of the project's media (passwords are hashed cheaply: conftest)."""
    settings.MEDIA_ROOT = tmp_path / "media"


def hg_target() -> Target:
    """KH 18/KH-UBND of Hậu Giang, II.2.a.1: the poverty rate (%), 2021–2025."""
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def inherited_task() -> Task:
    """KH 18, IV.1: led by Hậu Giang's Sở LĐ-TB&XH, whose work passed to the Cần Thơ Sở NN&MT."""
    return Task.objects.select_related("lead_agency").get(document__issuer__code="hg-ubnd", number="IV.1")


def officer():
    return make_user("canbo.hg", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt")


def reviewer():
    return make_user("duyet.hg", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd")


def png_file(path) -> bytes:
    """A real 2×2 PNG image."""
    content = sample_files.png_bytes()
    path.write_bytes(content)
    return content


def pdf_file(path, text: str = "Bien ban kiem tra") -> bytes:
    """A real one-page PDF with a line of text."""
    content = sample_files.pdf_bytes(text)
    path.write_bytes(content)
    return content


# ---------------------------------------------------------------------------------------------
# 1. An officer's figure and task report, returned once and approved


def test_an_officer_and_a_reviewer_take_a_figure_and_a_task_report_through_return_and_approval(browsing, tmp_path):
    target, task = hg_target(), inherited_task()
    officer_user, reviewer_user = officer(), reviewer()
    photo, minutes = tmp_path / "anh-hien-truong.png", tmp_path / "bien-ban.pdf"
    photo_bytes, minutes_bytes = png_file(photo), pdf_file(minutes)

    # The officer signs in and enters the year's poverty rate with a photo as evidence.
    mine = browsing.new_page()
    log_in(mine, "canbo.hg")
    mine.get_by_role("navigation").get_by_role("link", name="Việc của tôi").click()
    mine.fill("input[name=nam]", str(YEAR))
    mine.get_by_role("button", name="Xem").click()
    row = mine.locator(f"#target-{target.pk}")
    expect(row).to_contain_text("Chưa nhập")
    row.get_by_role("link", name="Nhập số liệu").click()
    expect(mine.locator("h1")).to_contain_text("Nhập số liệu: " + target.indicator.name)
    mine.fill("#id_value", "2,5")
    mine.set_input_files("#id_evidence", str(photo))
    mine.get_by_role("button", name="Gửi duyệt").click()
    expect(mine.locator(".messages")).to_contain_text("Đã lưu và gửi số liệu để duyệt.")
    expect(mine.locator("dd.figure")).to_have_text("2,5%")
    expect(mine.locator("dl.facts .status")).to_have_text("Đã gửi")
    expect(mine.locator("ul.evidence")).to_contain_text("anh-hien-truong.png")
    actual = Actual.objects.get(indicator=target.indicator, unit=target.territory, year=YEAR)
    assert (actual.status, actual.value, actual.created_by) == (ReviewStatus.SUBMITTED, Decimal("2.5"), officer_user)

    # ... and the report on the task the Sở NN&MT inherited, with the signed minutes as a PDF.
    mine.goto(f"/viec-cua-toi/?nam={YEAR}")
    task_row = mine.locator(f"#task-{task.pk}")
    expect(task_row).to_contain_text("kế thừa")
    task_row.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(mine.locator("h1")).to_contain_text(f"Báo cáo nhiệm vụ {task.number}")
    mine.select_option("#id_progress", label="Đã hoàn thành")
    mine.fill("#id_percent_done", "100")
    mine.fill("#id_completed_on", "31/12/2024")
    mine.fill("#id_narrative", "Đã rà soát hộ nghèo ở 8 huyện.")
    mine.set_input_files("#id_evidence", str(minutes))
    mine.get_by_role("button", name="Gửi duyệt").click()
    expect(mine.locator(".messages")).to_contain_text("Đã lưu và gửi báo cáo để duyệt.")
    expect(mine.locator("dl.facts .status")).to_have_text("Đã gửi")
    report = TaskReport.objects.get(task=task, year=YEAR)
    assert (report.status, report.agency, str(report.completed_on)) == (ReviewStatus.SUBMITTED, task.lead_agency, "2024-12-31")

    # The reviewer signs in on another machine and returns both with a comment.
    theirs = browsing.new_page()
    log_in(theirs, "duyet.hg")
    theirs.get_by_role("navigation").get_by_role("link", name="Duyệt").click()
    expect(theirs.locator("h1")).to_have_text("Chờ duyệt")
    queue = theirs.locator("table.queue tbody tr")
    expect(queue).to_have_count(2)
    for link, comment, done in [
        (f"/so-lieu/{actual.pk}/", "Thiếu số liệu huyện Long Mỹ", "Đã trả lại số liệu cho người nhập."),
        (f"/bao-cao-nhiem-vu/{report.pk}/", "Ghi rõ số hộ được hỗ trợ", "Đã trả lại báo cáo cho người nhập."),
    ]:
        theirs.goto("/duyet/")
        theirs.locator(f"table.queue a[href='{link}']").click()
        theirs.get_by_role("button", name="Trả lại").click()  # without a comment first: refused, kept on the page
        expect(theirs.locator(".return-form .field-error")).to_have_text("Hãy ghi lý do trả lại để người nhập biết cần sửa gì.")
        theirs.fill("#id_review_comment", comment)
        theirs.get_by_role("button", name="Trả lại").click()
        expect(theirs.locator(".messages")).to_contain_text(done)
        expect(theirs.locator("dl.facts .status")).to_have_text("Trả lại")
    actual.refresh_from_db()
    report.refresh_from_db()
    assert (actual.status, actual.review_comment) == (ReviewStatus.RETURNED, "Thiếu số liệu huyện Long Mỹ")
    assert (report.status, report.review_comment) == (ReviewStatus.RETURNED, "Ghi rõ số hộ được hỗ trợ")

    # The officer sees both returned, reads the comments, corrects and sends them again.
    mine.goto(f"/viec-cua-toi/?nam={YEAR}")
    expect(row.locator(".status")).to_have_text("Trả lại")
    expect(task_row.locator(".status")).to_have_text("Trả lại")
    row.get_by_role("link", name="2,5%").click()
    expect(mine.locator("p.notice")).to_contain_text("Ý kiến người duyệt khi trả lại: Thiếu số liệu huyện Long Mỹ")
    mine.get_by_role("link", name="Sửa số liệu").click()
    expect(mine.locator("p.notice")).to_contain_text("Người duyệt trả lại: Thiếu số liệu huyện Long Mỹ")
    expect(mine.locator("#id_value")).to_have_value("2,5")
    mine.fill("#id_value", "2,41")
    mine.get_by_role("button", name="Gửi duyệt").click()
    expect(mine.locator("dd.figure")).to_have_text("2,41%")
    expect(mine.locator("dl.facts .status")).to_have_text("Đã gửi")

    mine.goto(f"/bao-cao-nhiem-vu/{report.pk}/")
    expect(mine.locator("p.notice")).to_contain_text("Ghi rõ số hộ được hỗ trợ")
    with mine.expect_download() as download:  # the evidence comes back as it was sent
        mine.get_by_role("link", name="bien-ban.pdf").click()
    assert download.value.suggested_filename == "bien-ban.pdf"
    assert open(download.value.path(), "rb").read() == minutes_bytes
    mine.get_by_role("link", name="Sửa báo cáo").click()
    expect(mine.locator("#id_percent_done")).to_have_value("100")
    mine.fill("#id_narrative", "Đã rà soát hộ nghèo ở 8 huyện; hỗ trợ 1.250 hộ.")
    mine.get_by_role("button", name="Gửi duyệt").click()
    expect(mine.locator("dl.facts .status")).to_have_text("Đã gửi")
    expect(mine.locator("blockquote")).to_have_text("Đã rà soát hộ nghèo ở 8 huyện; hỗ trợ 1.250 hộ.")

    # The reviewer approves both from the queue.
    theirs.goto("/duyet/")
    expect(queue).to_have_count(2)
    for link, done in [(f"/so-lieu/{actual.pk}/", "Đã duyệt số liệu."), (f"/bao-cao-nhiem-vu/{report.pk}/", "Đã duyệt báo cáo.")]:
        theirs.goto("/duyet/")
        theirs.locator(f"table.queue a[href='{link}']").click()
        theirs.locator("#duyet").get_by_role("button", name="Duyệt", exact=True).click()
        expect(theirs.locator(".messages")).to_contain_text(done)
        expect(theirs.locator("dl.facts .status")).to_have_text("Đã duyệt")
    theirs.goto("/duyet/")
    expect(theirs.locator("table.queue")).to_contain_text("Không có gì chờ bạn duyệt.")

    # The officer's list shows both approved.
    mine.goto(f"/viec-cua-toi/?nam={YEAR}")
    expect(row.locator(".status")).to_have_text("Đã duyệt")
    expect(row).to_contain_text("2,41%")
    expect(task_row.locator(".status")).to_have_text("Đã duyệt")
    screenshot(mine, "1-officer-both-approved")

    actual.refresh_from_db()
    report.refresh_from_db()
    assert (actual.status, actual.value, actual.reviewed_by, actual.is_late_correction) == (
        ReviewStatus.APPROVED, Decimal("2.41"), reviewer_user, False)
    assert (report.status, report.reviewed_by, report.percent_done) == (ReviewStatus.APPROVED, reviewer_user, 100)
    assert report.narrative == "Đã rà soát hộ nghèo ở 8 huyện; hỗ trợ 1.250 hộ."
    photo_evidence = Evidence.objects.get(actual=actual)
    assert photo_evidence.original_name == "anh-hien-truong.png" and photo_evidence.file.read() == photo_bytes
    assert list(report.evidence.values_list("original_name", flat=True)) == ["bien-ban.pdf"]
    actions = list(AuditEntry.objects.filter(content_type__model="actual", object_id=actual.pk)
                   .order_by("pk").values_list("action", flat=True))
    assert actions.count("return") == 1 and actions[-1] == "approve", actions


# ---------------------------------------------------------------------------------------------
# 2. A leader: the approved figure on the drawn chart, drill-down, the IPTT workbook


def approved_figure(target: Target, year: int, value: str, entered_by, approved_by) -> Actual:
    """Entered, submitted and approved through the services, as the pages do."""
    actual = services.save_actual(user=entered_by, indicator=target.indicator, unit=target.territory, year=year,
                                  value=Decimal(value), target=target)
    actual = services.submit_actual(user=entered_by, actual=actual)
    return services.approve_actual(user=approved_by, actual=actual)


def commune_figures(year: int) -> list[str]:
    """GN01 of three provinces and of the first five communes of Cần Thơ; returns those communes' names."""
    gn01 = Indicator.objects.get(code="GN01")
    can_tho = unit("92", AdminMap.CURRENT)
    communes = list(can_tho.children.order_by("code")[:5])
    figures = [(unit("12", AdminMap.CURRENT), "9.5"), (can_tho, "1.2"), (unit("01", AdminMap.CURRENT), "0.3")]
    figures += [(commune, f"{1 + i * 0.4:.1f}") for i, commune in enumerate(communes)]
    Actual.objects.bulk_create([
        Actual(indicator=gn01, unit=place, year=year, status=ReviewStatus.APPROVED, source=ActualSource.ENTERED,
               value=Decimal(value))
        for place, value in figures
    ])
    rollups.refresh_yearly_values(indicator_ids=[gn01.pk], years=[year])
    return [c.name for c in communes]


def test_a_leader_sees_the_approved_figure_on_the_chart_drills_down_and_downloads_the_iptt(browsing, tmp_path):
    target = hg_target()
    entered_by, approved_by = officer(), reviewer()
    make_user("lanhdao", Role.LEADER)
    approved_figure(target, 2023, "3.0", entered_by, approved_by)
    approved_figure(target, YEAR, "2.41", entered_by, approved_by)
    communes = commune_figures(2025)

    page = browsing.new_page()
    log_in(page, "lanhdao")
    page.get_by_role("navigation").get_by_role("link", name="Bảng điều khiển").click()
    expect(page.locator("h1")).to_contain_text("Bảng điều khiển")
    page.locator(f"#target-{target.pk}").get_by_role("link", name=target.indicator.name).click()
    expect(page.locator("h1")).to_contain_text(target.indicator.name)

    # The figures as plotly.js drew them, not only as the table repeats them.
    traces = plot_data(page)
    own = next(t for t in traces if t["name"].startswith("Số liệu Tỉnh Hậu Giang"))
    assert dict(zip(own["x"], own["y"])) == {2023: 3.0, 2024: 2.41}
    assert page.locator(".chart svg.main-svg .scatterlayer .trace .points path").count() >= 2
    expect(page.locator("table.figures")).to_contain_text("2,41")
    page.locator(".chart").scroll_into_view_if_needed()
    screenshot(page, "2-leader-target-chart", full_page=False)

    # The comparison of the provinces in 2025, then a click on Cần Thơ's bar opens its communes.
    page.get_by_role("link", name="So sánh các địa bàn theo chỉ số này").click()
    page.fill("input[name=nam]", "2025")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("h1")).to_contain_text("năm 2025")
    [bars] = plot_data(page)
    assert bars["type"] == "bar"
    assert {"Tỉnh Lai Châu", "Thành phố Cần Thơ", "Thành phố Hà Nội"} <= set(bars["x"])
    can_tho = unit("92", AdminMap.CURRENT)
    index = bars["x"].index("Thành phố Cần Thơ")
    box = page.locator(".chart .barlayer .point").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**dia_ban={can_tho.pk}**")
    expect(page.locator("h1")).to_contain_text("Thành phố Cần Thơ")
    [bars] = plot_data(page)
    assert sorted(bars["x"]) == sorted(communes)
    expect(page.locator("table.compare tbody tr")).to_have_count(can_tho.children.count())
    # Back to the provinces by the crumbs, and down again by the name in the table.
    page.locator("p.crumbs a").first.click()
    expect(page.locator("h1")).not_to_contain_text("Thành phố Cần Thơ")
    page.locator("table.compare").get_by_role("link", name="Thành phố Cần Thơ", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Thành phố Cần Thơ")
    screenshot(page, "2-leader-communes-of-can-tho", full_page=False)

    # The IPTT table of the plan, downloaded as Excel.
    page.get_by_role("navigation").get_by_role("link", name="Bảng điều khiển").click()
    page.locator("table.counts tr", has=page.get_by_role("link", name=str(target.document))).get_by_role(
        "link", name="Xem IPTT").click()
    expect(page.locator("h1")).to_contain_text("Bảng theo dõi chỉ tiêu (IPTT)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về Excel").click()
    assert re.fullmatch(r"iptt-18kh-ubnd-20\d\d\.xlsx", download.value.suggested_filename)
    sheet = openpyxl.load_workbook(save_download(download.value, tmp_path))["IPTT"]
    header = [c.value for c in sheet[3]]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    row = rows[target.code]
    # "Giảm 1 điểm % mỗi năm": the year's figure is the fall from 2023 (3,0%) to the approved 2,41%.
    assert row[header.index("Đại lượng")] == "thay đổi so với năm trước"
    assert (row[header.index(f"{YEAR} chỉ tiêu")], row[header.index(f"{YEAR} thực hiện")], row[header.index(f"{YEAR} % đạt")]) == (1, 0.59, 59)
    assert row[header.index("Đánh giá")] == "Chậm tiến độ"
    screenshot(page, "2-leader-iptt")


# ---------------------------------------------------------------------------------------------
# 3. An administrator imports a workbook, fixes its wrong row from the error workbook, confirms


def test_an_administrator_fixes_a_wrong_row_from_the_error_workbook_and_confirms_the_import(browsing, tmp_path):
    make_user("quantri", Role.ADMIN)
    target = hg_target()
    page = browsing.new_page()
    log_in(page, "quantri")
    page.get_by_role("navigation").get_by_role("link", name="Nhập dữ liệu").click()
    expect(page.locator("h1")).to_have_text("Nhập dữ liệu từ bảng tính")

    # The template, filled in with openpyxl as an officer would in Excel: three yearly figures of
    # Hậu Giang, the last one typed as 150 (%).
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải mẫu bảng tính (.xlsx)").click()
    book = openpyxl.load_workbook(save_download(download.value, tmp_path))
    sheet = book["Số liệu thực hiện"]
    headers = [c.value for c in sheet[1]]
    for year, value in [(2022, "3,6"), (2023, "3,0"), (2024, "150")]:
        cells = {"Mã chỉ số": "GN01", "Mã địa bàn": "93", "Bản đồ": "63", "Năm": year, "Kỳ": "Năm", "Số kỳ": 0,
                 "Giá trị": value, "Trạng thái": "Đã duyệt"}
        sheet.append([cells.get(header) for header in headers])
    wrong_row = sheet.max_row
    filled = tmp_path / "so-lieu-hau-giang.xlsx"
    book.save(filled)

    page.set_input_files("#files", str(filled))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.locator("h1")).to_have_text("so-lieu-hau-giang.xlsx")
    expect(page.locator("main h2").filter(has_text="lỗi")).to_have_text("1 lỗi — không ghi gì")
    error = page.locator("table.errors tbody tr")
    expect(error).to_have_count(1)
    expect(error.locator("td")).to_have_text(["Số liệu thực hiện", str(wrong_row), "Giá trị", "Tỷ lệ phải nằm trong khoảng 0–100%."])
    expect(page.get_by_role("button", name="Xác nhận ghi vào cơ sở dữ liệu")).to_have_count(0)
    screenshot(page, "3-admin-import-preview-with-error")
    first = ImportRecord.objects.get()
    assert (first.status, first.error_count) == (ImportStatus.CHECKED, 1)
    assert not Actual.objects.filter(indicator__code="GN01", unit__code="93").exists()

    # The error workbook: the wrong row marked, the message in its "Lỗi" column; fixed there.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng tính có đánh dấu dòng sai và cột lỗi").click()
    marked = save_download(download.value, tmp_path)
    assert marked.name == "so-lieu-hau-giang-loi.xlsx"
    book = openpyxl.load_workbook(marked)
    assert [c.value for c in book["Danh sách lỗi"][2]] == ["Số liệu thực hiện", wrong_row, "Giá trị", "Tỷ lệ phải nằm trong khoảng 0–100%."]
    sheet = book["Số liệu thực hiện"]
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "Lỗi"
    assert sheet.cell(row=wrong_row, column=len(headers)).value == "Giá trị: Tỷ lệ phải nằm trong khoảng 0–100%."
    assert all(sheet.cell(row=r, column=len(headers)).value is None for r in range(2, wrong_row))
    sheet.cell(row=wrong_row, column=headers.index("Giá trị") + 1).value = "2,41"
    book.save(marked)

    # Uploaded again: no error, three new figures; confirmed.
    page.locator("p.crumbs").get_by_role("link", name="Nhập dữ liệu").click()
    page.set_input_files("#files", str(marked))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.locator("h1")).to_have_text(marked.name)
    expect(page.locator("table.errors")).to_have_count(0)
    expect(page.locator("table.counts tr", has_text="Số liệu thực hiện").locator("td")).to_have_text(
        ["Số liệu thực hiện", "3", "0", "0", "0"])
    page.get_by_role("button", name="Xác nhận ghi vào cơ sở dữ liệu").click()
    expect(page.locator(".messages")).to_contain_text(f"Đã ghi dữ liệu từ tệp {marked.name}.")
    expect(page.locator("main .tag").first).to_have_text("Đã ghi")

    second = ImportRecord.objects.exclude(pk=first.pk).get()
    assert (second.status, second.error_count, second.file_name) == (ImportStatus.APPLIED, 0, marked.name)
    figures = {a.year: a for a in Actual.objects.filter(indicator__code="GN01", unit__code="93", unit__admin_map="63")}
    assert {year: a.value for year, a in figures.items()} == {2022: Decimal("3.6"), 2023: Decimal("3.0"), 2024: Decimal("2.41")}
    assert {(a.status, a.source) for a in figures.values()} == {(ReviewStatus.APPROVED, ActualSource.IMPORTED)}

    # The imported figures are on Hậu Giang's chart.
    page.goto(f"/bang-dieu-khien/chi-tieu/{target.pk}/")
    own = next(t for t in plot_data(page) if t["name"].startswith("Số liệu Tỉnh Hậu Giang"))
    assert dict(zip(own["x"], own["y"])) == {2022: 3.6, 2023: 3.0, 2024: 2.41}
    page.get_by_role("navigation").get_by_role("link", name="Nhập dữ liệu").click()
    expect(page.locator("table.data tbody tr")).to_have_count(2)
    screenshot(page, "3-admin-import-confirmed")


# ---------------------------------------------------------------------------------------------
# 4. The same pages on a phone, in Vietnamese and, after the language menu, in English


def phone_pages(target: Target, task: Task, can_tho_id: int) -> list[tuple[str, str, str]]:
    """(address, Vietnamese heading, English heading) of the pages an officer uses."""
    gn01 = target.indicator_id
    return [
        ("/", "Hệ thống văn bản giảm nghèo bền vững", "Sustainable poverty reduction documents"),
        (f"/viec-cua-toi/?nam={YEAR}", "Việc của tôi", "My work"),
        (f"/so-lieu/nhap/{target.pk}/?nam={YEAR}", "Nhập số liệu", "Enter figure"),
        (f"/nhiem-vu/{task.pk}/bao-cao/?nam={YEAR}&co_quan={task.lead_agency.code}", "Báo cáo nhiệm vụ", "Task report"),
        ("/duyet/", "Chờ duyệt", "Awaiting review"),
        ("/bang-dieu-khien/", "Bảng điều khiển", "Dashboard"),
        (f"/bang-dieu-khien/chi-tieu/{target.pk}/", target.indicator.name, target.indicator.name),
        (f"/bang-dieu-khien/so-sanh/{gn01}/?nam=2025&dia_ban={can_tho_id}", target.indicator.name, target.indicator.name),
        (f"/bang-dieu-khien/iptt/{target.document_id}/", "Bảng theo dõi chỉ tiêu (IPTT)", "Indicator performance tracking table (IPTT)"),
        ("/van-ban/", "Văn bản", "Documents"),
        (target.document.get_absolute_url(), target.document.number, target.document.number),
        ("/ho-ngheo/", "sổ hộ năm", "household register"),  # the officer's one city: its register's figures
        ("/xuat-du-lieu/", "Xuất dữ liệu", "Export data"),
    ]


def assert_fits_the_phone(page, address: str) -> None:
    if overflow(page) > 0:
        shot = screenshot(page, "too-wide-" + re.sub(r"\W+", "-", address).strip("-"), full_page=False)
        pytest.fail(f"{address} is wider than the phone: {wide_elements(page)} (see {shot})")


def test_the_pages_work_on_a_phone_and_in_english(browsing, tmp_path):
    target, task = hg_target(), inherited_task()
    entered_by, approved_by = officer(), reviewer()
    make_user("quantri", Role.ADMIN)
    approved_figure(target, 2023, "3.0", entered_by, approved_by)
    approved_figure(target, YEAR, "2.41", entered_by, approved_by)
    commune_figures(2025)
    can_tho = unit("92", AdminMap.CURRENT)
    pages = phone_pages(target, task, can_tho.pk)

    phone = browsing.new_page(PHONE)
    phone.goto("/dang-nhap/")
    assert_fits_the_phone(phone, "/dang-nhap/")
    log_in(phone, "canbo.hg")

    # The menu wraps under the brand: every entry is on the screen and leads somewhere.
    links = phone.locator("header nav a")
    expect(links).to_have_count(8)  # an officer (with "Bảng tổng hợp"): neither "Duyệt", "Chất lượng số liệu", "Lịch báo cáo" nor "Nhập dữ liệu"
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], links.nth(i).inner_text()
    links.filter(has_text="Bảng điều khiển").click()
    expect(phone.locator("h1")).to_contain_text("Bảng điều khiển")

    for address, heading, _english in pages:
        phone.goto(address)
        expect(phone.locator("h1")).to_contain_text(heading)
        assert_fits_the_phone(phone, address)
    for address, _heading, _english in pages[6:8]:  # the charts fit the phone too
        phone.goto(address)
        plot_data(phone)
        assert phone.locator(".chart .plotly-graph-div").bounding_box()["width"] <= PHONE["width"], address
        phone.locator(".chart").scroll_into_view_if_needed()
        screenshot(phone, "4-phone-chart-" + ("target" if "chi-tieu" in address else "communes"), full_page=False)

    # A form on the phone: the training rate typed, saved as a draft.
    training = Target.objects.get(document=target.document, code="II.2.a.2")
    phone.goto(f"/so-lieu/nhap/{training.pk}/?nam={YEAR}")
    for field in ("#id_year", "#id_value", "#id_evidence"):
        box = phone.locator(field).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], field
    phone.fill("#id_value", "65,5")
    phone.get_by_role("button", name="Lưu nháp").click()
    expect(phone.locator(".messages")).to_contain_text("Đã lưu nháp số liệu.")
    expect(phone.locator("dd.figure")).to_have_text("65,5%")
    assert_fits_the_phone(phone, "the saved figure")
    assert Actual.objects.get(indicator=training.indicator, year=YEAR).status == ReviewStatus.DRAFT

    # English from the language menu: the same pages, English headings, still fitting the phone.
    phone.goto("/")
    phone.select_option("header select[name=language]", "en")
    phone.wait_for_url("**/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("header nav")).to_contain_text("My work")
    expect(phone.locator("header nav")).not_to_contain_text("Việc của tôi")
    for address, heading, english in pages:
        phone.goto(address)
        expect(phone.locator("h1")).to_contain_text(english)
        if heading != english:
            expect(phone.locator("h1")).not_to_contain_text(heading)
        assert_fits_the_phone(phone, address)
        # Years stay years in English ("2024", not "2,024"), in the year boxes and in the links.
        for year_box in phone.locator("main input[name=nam]").all():
            assert re.fullmatch(r"20\d\d", year_box.input_value()), (address, year_box.input_value())
        assert not phone.locator("main a[href*='nam=2,0']").count(), address
    expect(phone.locator("h1")).not_to_contain_text("2,0")
    phone.goto(pages[7][0])
    expect(phone.locator("h1")).to_contain_text("2025")
    phone.goto(pages[6][0])
    chart = plot_data(phone)
    assert any(t["name"].startswith("Figure Tỉnh Hậu Giang") for t in chart), [t["name"] for t in chart]
    phone.goto(f"/viec-cua-toi/?nam={YEAR}")
    screenshot(phone, "4-phone-english-my-work")

    # The administrator's import page on a phone, in English: upload a workbook, read the error.
    admin = browsing.new_page(PHONE)
    log_in(admin, "quantri")
    admin.select_option("header select[name=language]", "en")
    expect(admin.locator("html")).to_have_attribute("lang", "en")
    admin.locator("header nav a").filter(has_text="Import data").click()
    expect(admin.locator("h1")).to_have_text("Import data from a spreadsheet")
    assert_fits_the_phone(admin, "/nhap-du-lieu/")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Số liệu thực hiện"
    sheet.append(["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"])
    sheet.append(["GN01", "93", "63", 2022, "Năm", 0, "150", None, None, "Đã duyệt"])
    book.save(tmp_path / "sai.xlsx")
    admin.set_input_files("#files", str(tmp_path / "sai.xlsx"))
    admin.get_by_role("button", name="Upload and check").click()
    expect(admin.locator("h1")).to_have_text("sai.xlsx")
    expect(admin.locator("table.errors tbody tr")).to_have_count(1)
    assert_fits_the_phone(admin, "the import preview")
    screenshot(admin, "4-phone-english-import-preview")
