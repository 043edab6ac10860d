"""Unit groups as data: the poor districts of QĐ 353/QĐ-TTg and other legal lists, entered through the
workbook, membership over time and across the 2025 mergers, and targets judged on a group."""

from datetime import date
from decimal import Decimal

import pytest
import tablib
from django.core.management import call_command
from django.urls import reverse

from dashboards.judging import evaluate_targets
from dashboards.scope import Options
from exchange.workbook.loading import import_workbook
from exchange.workbook.sheets import sheet_headers
from indicators.evaluation import EvaluationStatus as Status
from indicators.models import Target
from plans.models import AdministrativeUnit, AdminMap, UnitGroup, UnitGroupMember, UnitLevel, UnitSuccession
from plans.unit_groups import members_on, representatives_of
from tests.conftest import make_user, unit

POOR = "huyen-ngheo-2021-2025"
# The three poor districts of Điện Biên entered (QĐ 353/QĐ-TTg Phụ lục I, nos. 28–30).
DIEN_BIEN_DONG, MUONG_ANG, MUONG_NHE = "101", "102", "096"


def sheet(name: str, *rows: dict) -> tablib.Dataset:
    headers = sheet_headers(name)
    unknown = {key for row in rows for key in row} - set(headers)
    assert not unknown, unknown
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row.get(h, "") for h in headers])
    return dataset


def import_sheets(**sheets: list[dict]):
    result = import_workbook({name: sheet(name, *rows) for name, rows in sheets.items()})
    return result


@pytest.fixture
def poor_districts(db):
    call_command("load_groups", verbosity=0)
    return UnitGroup.objects.get(code=POOR)


def superuser():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="sieu").first()
    return user or get_user_model().objects.create_superuser("sieu", password="x")


def rate_rows(code: str, admin_map: str, figures: dict[int, tuple[int, int]]) -> list[dict]:
    return [{"Mã chỉ số": "GN01", "Mã địa bàn": code, "Bản đồ": admin_map, "Năm": year, "Kỳ": "Năm", "Số kỳ": 0,
             "Tử số": poor, "Mẫu số": households, "Trạng thái": "Đã duyệt"}
            for year, (poor, households) in figures.items()]


PLAN = {"Số hiệu": "99/KH-UBND", "Mã cơ quan ban hành": "db-ubnd", "Loại văn bản": "Kế hoạch", "Mã địa bàn": "11",
        "Bản đồ": "63", "Trích yếu": "Kế hoạch giảm nghèo bền vững (thử)", "Có văn bản": "Không"}
AGENCY = {"Mã cơ quan": "db-ubnd", "Tên cơ quan": "Ủy ban nhân dân tỉnh Điện Biên", "Loại cơ quan": "Ủy ban nhân dân",
          "Mã địa bàn": "11", "Bản đồ": "63"}


def target_row(code: str, **cells) -> dict:
    row = {"Số hiệu văn bản": "99/KH-UBND", "Mã cơ quan ban hành": "db-ubnd", "Mã chỉ tiêu": code, "Mã chỉ số": "GN01",
           "Mã địa bàn": "11", "Bản đồ": "63", "Nhóm địa bàn": POOR, "Trích dẫn nguồn": "(thử)", "Thứ tự": 1}
    row.update(cells)
    return row


def judged(target: Target, year: int):
    targets = list(Target.objects.select_related("indicator", "territory", "document__issuer").filter(pk=target.pk))
    return evaluate_targets(user=superuser(), targets=targets, options=Options(year=year))[0]


# ---------------------------------------------------------------------------------------------
# The real lists, through the workbook


def test_the_poor_districts_of_qd_353_load_from_data_groups_through_the_workbook(poor_districts):
    members = {m.unit.code: m for m in poor_districts.members.select_related("unit")}
    assert len(members) == 34
    assert poor_districts.source_document.number == "353/QĐ-TTg"
    assert poor_districts.valid_from == date(2022, 3, 15)
    assert {members[c].unit.name for c in (DIEN_BIEN_DONG, MUONG_ANG, MUONG_NHE)} == {
        "Huyện Điện Biên Đông", "Huyện Mường Ảng", "Huyện Mường Nhé"}
    a_luoi = members["481"]
    assert a_luoi.left_on == date(2024, 7, 22)
    assert "702/QĐ-TTg" in a_luoi.left_basis
    # Loading twice changes nothing.
    result = import_workbook({name: tablib.Dataset().load(open(f"data/groups/{name}.csv", encoding="utf-8").read(), format="csv")
                              for name in ("documents", "unit_groups", "unit_group_members")}, dry_run=True)
    assert not result.has_errors and result.changed == 0


def test_a_member_of_the_wrong_level_or_outside_the_scope_is_refused_with_a_vietnamese_message(poor_districts):
    commune = AdministrativeUnit.objects.filter(parent__code=DIEN_BIEN_DONG, admin_map=AdminMap.LEGACY).order_by("code").first()
    result = import_sheets(
        unit_groups=[{"Mã nhóm": "huyen-ngheo-dien-bien", "Tên nhóm": "Huyện nghèo tỉnh Điện Biên", "Loại nhóm": "Huyện nghèo",
                      "Mã địa bàn phạm vi": "11", "Bản đồ": "63", "Văn bản quy định": "353/QĐ-TTg", "Mã cơ quan ban hành": "tw-ttg"}],
        unit_group_members=[
            {"Mã nhóm": "huyen-ngheo-dien-bien", "Mã địa bàn": commune.code, "Bản đồ": "63"},
            {"Mã nhóm": "huyen-ngheo-dien-bien", "Mã địa bàn": "481", "Bản đồ": "63"},
            {"Mã nhóm": "huyen-ngheo-dien-bien", "Mã địa bàn": "101", "Bản đồ": "63", "Vào nhóm từ": "01/01/2023",
             "Ra khỏi nhóm từ": "01/01/2022"},
        ],
    )
    messages = {(e.row, e.message) for e in result.errors}
    assert (2, f"Mã địa bàn: {commune.name} là xã, phường, thị trấn, còn nhóm “Huyện nghèo” chỉ gồm huyện, quận, thị xã, "
               "thành phố thuộc tỉnh.") in messages
    assert (3, "Mã địa bàn: Huyện A Lưới không thuộc phạm vi của nhóm (Tỉnh Điện Biên).") in messages
    assert (4, "Ra khỏi nhóm từ: Ngày ra khỏi nhóm phải sau ngày vào nhóm.") in messages
    assert not UnitGroup.objects.filter(code="huyen-ngheo-dien-bien").exists()


# ---------------------------------------------------------------------------------------------
# Membership over time and across the 2025 mergers


def test_membership_changes_on_the_day_a_decision_takes_a_district_off_the_list(poor_districts):
    def codes(day):
        return {m.unit.code for m in members_on(poor_districts, day)}

    assert "481" in codes(date(2024, 7, 21))
    assert "481" not in codes(date(2024, 7, 22))
    assert len(codes(date(2024, 7, 22))) == 33
    assert codes(date(2026, 1, 1)) == set()  # the list ended with 2025
    assert codes(date(2022, 3, 14)) == set()  # before QĐ 353


def test_a_member_district_closed_on_1_7_2025_is_represented_by_the_communes_that_took_its_communes(poor_districts):
    district = unit(DIEN_BIEN_DONG)
    expected = set(UnitSuccession.objects.filter(predecessor__parent=district, successor__level=UnitLevel.COMMUNE)
                   .values_list("successor_id", flat=True))
    assert expected and all(AdministrativeUnit.objects.get(pk=pk).admin_map == AdminMap.CURRENT for pk in expected)
    before = {m.unit.code: m for m in members_on(poor_districts, date(2025, 6, 30))}
    after = {m.unit.code: m for m in members_on(poor_districts, date(2025, 7, 1))}
    assert not before[DIEN_BIEN_DONG].is_carried
    assert after[DIEN_BIEN_DONG].is_carried
    assert {u.pk for u in after[DIEN_BIEN_DONG].representatives} == expected
    assert len(after) == 33  # still members: no decision took them off
    assert representatives_of([district])[district.pk] == after[DIEN_BIEN_DONG].representatives


# ---------------------------------------------------------------------------------------------
# Targets on a group, entered and judged through the workbook

# Poor households / households of the three districts, year-end figures.
FIGURES = {
    DIEN_BIEN_DONG: {2022: (400, 1000), 2023: (350, 1000), 2024: (300, 1000)},  # 40 -> 35 -> 30: 5 points a year
    MUONG_ANG: {2022: (300, 1000), 2023: (260, 1000), 2024: (220, 1000)},  # 30 -> 26 -> 22: 4 points a year
    MUONG_NHE: {2022: (500, 2000), 2023: (440, 2000), 2024: (380, 2000)},  # 25 -> 22 -> 19: 3 points a year
}


@pytest.fixture
def poor_district_target(poor_districts, django_capture_on_commit_callbacks):
    """NQ 24/2021/QH15's "tỷ lệ hộ nghèo ở các huyện nghèo giảm 4–5%/năm" set on the poor districts of
    Điện Biên, with the districts' figures, all through the workbook."""
    actuals = [row for code, figures in FIGURES.items() for row in rate_rows(code, "63", figures)]
    common = {"Loại chỉ tiêu": "Thay đổi bình quân năm", "Chiều thay đổi": "Giảm", "Giá trị tối thiểu": "4",
              "Giá trị tối đa": "5", "Đơn vị": "điểm %", "Từ năm": 2023, "Đến năm": 2025}
    quote = "tỷ lệ hộ nghèo ở các huyện nghèo giảm 4–5%/năm"
    with django_capture_on_commit_callbacks(execute=True):
        result = import_sheets(
            agencies=[AGENCY], documents=[PLAN], actuals=actuals,
            targets=[target_row("HN.1", **common, **{"Trích dẫn nguồn": quote, "Cách đánh giá theo nhóm": "Cả nhóm (tổng hợp)"}),
                     target_row("HN.2", **common, **{"Trích dẫn nguồn": quote, "Cách đánh giá theo nhóm": "Từng đơn vị trong nhóm"})],
        )
    assert not result.has_errors, result.errors
    return Target.objects.get(code="HN.1"), Target.objects.get(code="HN.2")


def test_the_poor_districts_rate_is_judged_on_the_group_pooled_from_members_numerators(poor_district_target):
    aggregate, _ = poor_district_target
    status = judged(aggregate, 2024)
    # 1.200/4.000 = 30%, 1.050/4.000 = 26,25%, 900/4.000 = 22,5%: a mean fall of 3,75 points a year,
    # short of 4 but above 80% of it. (The plain mean of the three rates falls 4 points a year.)
    assert status.group.values == {2022: Decimal("30.0000"), 2023: Decimal("26.2500"), 2024: Decimal("22.5000")}
    assert status.evaluation.value == Decimal("3.75")
    assert status.status == Status.AT_RISK
    assert status.group.group.code == POOR
    assert [m.unit.code for m in status.group.members] == [MUONG_NHE, DIEN_BIEN_DONG, MUONG_ANG]  # by code
    assert status.group.members[0].values == {2022: Decimal("25.0000"), 2023: Decimal("22.0000"), 2024: Decimal("19.0000")}


def test_each_member_judgement_is_the_worst_members_status_and_names_those_behind(poor_district_target):
    _, each = poor_district_target
    status = judged(each, 2024)
    by_code = {m.unit.code: m.evaluation.status for m in status.group.members}
    assert by_code == {DIEN_BIEN_DONG: Status.ON_TRACK, MUONG_ANG: Status.ON_TRACK, MUONG_NHE: Status.OFF_TRACK}
    assert status.status == Status.OFF_TRACK
    assert status.evaluation.explanation == "2/3 đơn vị đạt hoặc đúng tiến độ; chưa đạt hoặc chưa có số liệu: Huyện Mường Nhé"


def test_after_the_merger_the_group_figure_of_2025_comes_from_the_communes_that_took_the_districts(
        poor_district_target, django_capture_on_commit_callbacks):
    aggregate, _ = poor_district_target
    stand_ins = representatives_of([unit(c) for c in FIGURES])
    communes = sorted({u for units in stand_ins.values() for u in units}, key=lambda u: u.code)
    rows = [row for index, commune in enumerate(communes)
            for row in rate_rows(commune.code, "34", {2025: (10 + index, 100)})]
    with django_capture_on_commit_callbacks(execute=True):
        result = import_sheets(actuals=rows)
    assert not result.has_errors, result.errors
    status = judged(aggregate, 2025)
    poor = sum(10 + i for i in range(len(communes)))
    expected = (Decimal(poor) * 100 / (100 * len(communes))).quantize(Decimal("0.0001"))
    assert status.group.values[2025] == expected
    assert status.group.values[2024] == Decimal("22.5000")
    assert "không còn từ ngày 30/06/2025" in status.closure_note
    assert status.evaluation.year == 2025


def test_a_figure_missing_for_one_member_leaves_the_groups_year_without_a_value(poor_districts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = import_sheets(
            agencies=[AGENCY], documents=[PLAN],
            actuals=rate_rows(DIEN_BIEN_DONG, "63", {2023: (1, 10)}) + rate_rows(MUONG_ANG, "63", {2023: (1, 10)}),
            targets=[target_row("HN.3", **{"Loại chỉ tiêu": "Mức tại thời điểm", "Giá trị tối đa": "20", "Đơn vị": "%",
                                            "Đến năm": 2025, "Cách đánh giá theo nhóm": "Cả nhóm (tổng hợp)"})],
        )
    assert not result.has_errors, result.errors
    status = judged(Target.objects.get(code="HN.3"), 2024)
    assert status.status == Status.NO_DATA
    assert status.group.values == {}
    assert "thiếu số liệu của Huyện Mường Nhé" in status.evaluation.explanation


# ---------------------------------------------------------------------------------------------
# Judged from membership


def _membership_target(code: str, territory: str, **cells):
    agency = {**AGENCY, "Mã cơ quan": "tth-thu", "Tên cơ quan": "UBND thử", "Mã địa bàn": territory}
    plan = {**PLAN, "Số hiệu": "98/KH-UBND", "Mã cơ quan ban hành": "tth-thu", "Mã địa bàn": territory}
    row = target_row(code, **{"Số hiệu văn bản": "98/KH-UBND", "Mã cơ quan ban hành": "tth-thu", "Mã chỉ số": "GN08",
                              "Mã địa bàn": territory, **cells})
    result = import_sheets(agencies=[agency], documents=[plan], targets=[row])
    assert not result.has_errors, result.errors
    return Target.objects.get(code=code)


def test_no_poor_district_left_is_judged_from_membership_on_the_day_the_last_one_left(poor_districts, client):
    cells = {"Loại chỉ tiêu": "Xóa bỏ / mốc", "Giá trị tối đa": "0", "Đơn vị": "huyện", "Từ ngữ": "không còn",
             "Từ năm": 2022, "Đến năm": 2025, "Cách đánh giá theo nhóm": "Số đơn vị còn trong nhóm"}
    hue = _membership_target("KCHN", "46", **cells)
    status = judged(hue, 2025)
    assert status.group.values == {2022: 1, 2023: 1, 2024: 0, 2025: 0}
    assert status.status == Status.ACHIEVED
    assert status.evaluation.explanation == "Đạt mốc không còn huyện ngày 22/07/2024 (hạn 31/12/2025)"
    client.force_login(superuser())
    page = client.get(reverse("dashboard_target", args=[hue.pk]), {"nam": 2025}).content.decode()
    assert "Tính từ danh sách nhóm: 1 đơn vị đầu kỳ; số đơn vị còn trong nhóm đến cuối mỗi năm." in page
    assert "Huyện A Lưới" in page and "22/07/2024" in page
    # The Tỉnh ủy's "đến cuối năm 2023, huyện A Lưới đủ điều kiện thoát": reached, but after the due date.
    hue.due_on, hue.end_year = date(2023, 12, 31), 2023
    hue.save()
    assert judged(hue, 2025).status == Status.MISSED
    ha_giang = _membership_target("KCHN-HG", "02", **cells)
    status = judged(ha_giang, 2024)
    assert status.group.values == {2022: 7, 2023: 7, 2024: 7}
    assert status.status == Status.AT_RISK


def test_a_share_of_communes_leaving_the_group_is_judged_against_the_bound(db):
    communes = list(AdministrativeUnit.objects.filter(parent__code=DIEN_BIEN_DONG, admin_map=AdminMap.LEGACY).order_by("code")[:10])
    assert len(communes) == 10
    left = {0: "15/06/2023", 1: "15/06/2023", 2: "31/12/2023", 3: "01/03/2024"}
    result = import_sheets(
        unit_groups=[{"Mã nhóm": "xa-dbkk-db", "Tên nhóm": "Xã ĐBKK huyện Điện Biên Đông (thử)",
                      "Loại nhóm": "Xã đặc biệt khó khăn", "Mã địa bàn phạm vi": "11", "Bản đồ": "63",
                      "Căn cứ pháp lý": "(thử)", "Hiệu lực từ": "01/01/2021", "Hiệu lực đến": "31/12/2025"}],
        unit_group_members=[{"Mã nhóm": "xa-dbkk-db", "Mã địa bàn": c.code, "Bản đồ": "63", "Ra khỏi nhóm từ": left.get(i, ""),
                             "Căn cứ ra khỏi nhóm": "QĐ công nhận thoát ĐBKK (thử)" if i in left else ""}
                            for i, c in enumerate(communes)],
    )
    assert not result.has_errors, result.errors
    # The share of communes that left is a percentage: an indicator of its own, entered with the plan.
    result = import_sheets(indicators=[{"Mã chỉ số": "XA-THOAT", "Tên chỉ số": "Tỷ lệ xã ĐBKK thoát khỏi tình trạng ĐBKK",
                                        "Đơn vị tính": "%", "Chiều tốt": "Càng cao càng tốt", "Cách tổng hợp": "Không tổng hợp"}])
    assert not result.has_errors, result.errors
    target = _membership_target("THOAT-30", "11", **{
        "Mã chỉ số": "XA-THOAT", "Nhóm địa bàn": "xa-dbkk-db", "Loại chỉ tiêu": "Mức tại thời điểm", "Giá trị tối thiểu": "30",
        "Đơn vị": "%", "Từ năm": 2021, "Đến năm": 2025, "Cách đánh giá theo nhóm": "Số, tỷ lệ đơn vị ra khỏi nhóm",
        "Trích dẫn nguồn": "30% xã ĐBKK thoát khỏi tình trạng đặc biệt khó khăn"})
    status = judged(target, 2025)
    assert status.group.values == {2021: 0, 2022: 0, 2023: 30, 2024: 40, 2025: 40}
    assert status.status == Status.ACHIEVED
    assert status.evaluation.explanation == "Năm 2025: 40%, cao hơn mức 30%"
    assert judged(target, 2022).status == Status.AT_RISK


# ---------------------------------------------------------------------------------------------
# Pages


def test_group_pages_answer_every_persona_within_their_reach(client, personas, poor_districts):
    result = import_sheets(unit_groups=[{
        "Mã nhóm": "huyen-ngheo-dien-bien", "Tên nhóm": "Huyện nghèo tỉnh Điện Biên", "Loại nhóm": "Huyện nghèo",
        "Mã địa bàn phạm vi": "11", "Bản đồ": "63"}])
    assert not result.has_errors
    for name, user in vars(personas).items():
        client.force_login(user)
        listing = client.get(reverse("group_list"))
        assert listing.status_code == 200, name
        assert "Huyện nghèo giai đoạn 2021–2025" in listing.content.decode()
        page = client.get(reverse("group_detail", args=[POOR]), {"ngay": "01/08/2024"})
        assert page.status_code == 200, name
        assert "Ngày 01/08/2024: 33 đơn vị trong nhóm." in page.content.decode()
        provincial = client.get(reverse("group_detail", args=["huyen-ngheo-dien-bien"]))
        # A province's own list: only those whose territory covers Điện Biên (the nation's leader, the admin).
        assert provincial.status_code == (200 if name in {"leader", "admin"} else 404), name
        assert ("Huyện nghèo tỉnh Điện Biên" in listing.content.decode()) == (name in {"leader", "admin"}), name


def test_the_unit_page_and_the_target_page_show_the_group(client, personas, poor_district_target):
    aggregate, _ = poor_district_target
    client.force_login(personas.leader)
    page = client.get(reverse("unit_detail", args=[unit("481").pk]))
    assert page.status_code == 200
    assert "Huyện nghèo giai đoạn 2021–2025" in page.content.decode() and "22/07/2024" in page.content.decode()
    page = client.get(reverse("dashboard_target", args=[aggregate.pk]), {"nam": 2024})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nhóm địa bàn: Huyện nghèo giai đoạn 2021–2025" in text
    assert "26,25" in text and "Huyện Mường Nhé" in text
    board = client.get(reverse("dashboard"), {"dia_ban": unit("11").pk, "nam": 2024})
    assert board.status_code == 200
    assert f'href="{reverse("group_detail", args=[POOR])}">Huyện nghèo giai đoạn 2021–2025</a>' in board.content.decode()
    # A Huế officer does not see Điện Biên's target at all.
    client.force_login(personas.officer_hue)
    assert client.get(reverse("dashboard_target", args=[aggregate.pk])).status_code == 404


def test_a_wrong_day_on_the_group_page_says_so_and_shows_today(client, personas, poor_districts):
    client.force_login(personas.leader)
    page = client.get(reverse("group_detail", args=[POOR]), {"ngay": "31/02/2024"})
    assert page.status_code == 200
    assert "không đúng dạng ngày/tháng/năm" in page.content.decode()


def test_membership_counts_are_one_query_on_the_list(client, personas, poor_districts, django_assert_max_num_queries):
    client.force_login(personas.leader)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("group_list")).status_code == 200


def test_make_user_helper_still_works_for_a_district_officer(db, poor_districts, client):
    officer = make_user("canbo.aluoi", "officer", ("481", AdminMap.LEGACY))
    client.force_login(officer)
    assert client.get(reverse("group_detail", args=[POOR])).status_code == 200
    assert UnitGroupMember.objects.filter(group=poor_districts, unit__code="481").exists()


def test_the_admin_shows_a_group_with_its_members_inline(client, poor_districts):
    client.force_login(superuser())
    page = client.get(reverse("admin:plans_unitgroup_change", args=[poor_districts.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Huyện A Lưới" in text and "702/QĐ-TTg" in text
    assert client.get(reverse("admin:plans_unitgroupmember_changelist")).status_code == 200
