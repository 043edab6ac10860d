"""The seed cascade as loaded by `load_cascade`: complete, exact, lineage intact, idempotent."""

import csv
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.core.management import call_command

from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import read_csv_folder
from indicators.models import ChangeDirection, MeasureUnit, Target, TargetKind
from plans.models import Agency, Document, DocumentBasis, Task
from tests.conftest import document, unit

CASCADE = settings.BASE_DIR / "data" / "cascade"
# The seed texts the held documents were transcribed from: not part of the repository. Beside a
# checkout they are in ../shared/seeds; SEED_DIR points elsewhere.
SEEDS = Path(os.environ.get("SEED_DIR") or settings.BASE_DIR.parent / "shared" / "seeds")

HELD = {
    ("160/NQ-CP", "tw-cp"): "000_fe341571a27c09e3.txt",
    ("18/KH-UBND", "hg-ubnd"): "001_d8901a116c7bd053.txt",
    ("chưa rõ số (KH thực hiện CT 05)", "bg-btv-tu"): "002_2176c707c424e5e4.txt",
    ("chưa rõ số (KL ngày 03/3/2023)", "tth-btv-tu"): "003_36d5bed1aa1ec987.txt",
    ("chưa rõ số (CTr thực hiện NQ 09)", "bl-thu"): "004_4ecbad9378f82ec3.txt",
}


def csv_rows(name: str) -> int:
    with (CASCADE / f"{name}.csv").open(encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_every_row_of_every_sheet_is_loaded(db):
    assert Agency.objects.count() == csv_rows("agencies")
    assert Document.objects.count() == csv_rows("documents")
    assert DocumentBasis.objects.count() == csv_rows("document_bases")
    assert Task.objects.count() == csv_rows("tasks")
    assert Target.objects.count() == csv_rows("targets")


def test_the_five_seed_documents_are_held_and_the_cited_ones_are_marked(db):
    held = {(d.number, d.issuer.code): d.source for d in Document.objects.filter(is_held=True).select_related("issuer")}
    assert held == HELD
    cited = set(Document.objects.filter(is_held=False).values_list("number", flat=True))
    assert {"05-CT/TW", "54-KH/TU", "11-NQ/TU", "54-NQ/TW", "09-NQ/TU"} <= cited


def test_cited_documents_each_rest_where_the_texts_say(db):
    kh18 = document("18/KH-UBND", "hg-ubnd")
    assert {d.number for d in kh18.bases.all()} == {"05-CT/TW", "160/NQ-CP", "54-KH/TU"}
    assert set(document("160/NQ-CP", "tw-cp").bases.values_list("number", flat=True)) >= {"05-CT/TW"}
    baoloc = document("chưa rõ số (CTr thực hiện NQ 09)", "bl-thu")
    assert "09-NQ/TU" in baoloc.bases.values_list("number", flat=True)
    assert document("09-NQ/TU", "ld-tu").bases.filter(number="05-CT/TW").exists()


def test_bac_giang_2021_2025_poverty_target_is_a_yearly_decrease_of_1_5_to_1_7_points(db):
    target = Target.objects.get(document__issuer__code="bg-btv-tu", code="II.2.1.1")
    assert target.indicator.code == "GN01"
    assert target.territory == unit("24")
    assert (target.kind, target.change_direction, target.unit) == (
        TargetKind.AVERAGE_CHANGE, ChangeDirection.DECREASE, MeasureUnit.POINTS,
    )
    assert (target.min_value, target.max_value) == (Decimal("1.5"), Decimal("1.7"))
    assert (target.start_year, target.end_year) == (2021, 2025)
    assert "1,5%-1,7%" in target.source_quote


def test_thua_thien_hue_poverty_target_is_1_84_percent_at_the_end_of_2025(db):
    target = Target.objects.get(document__issuer__code="tth-btv-tu", max_value=Decimal("1.84"))
    assert (target.kind, target.unit, target.end_year, target.qualifier) == (
        TargetKind.LEVEL, MeasureUnit.PERCENT, 2025, "còn",
    )
    assert target.territory == unit("46")


def test_hau_giang_75000_jobs_are_cumulative_over_2021_2025(db):
    target = Target.objects.get(document__issuer__code="hg-ubnd", indicator__code="LD02", end_year=2025)
    assert (target.kind, target.min_value, target.start_year, target.unit) == (
        TargetKind.CUMULATIVE, Decimal("75000"), 2021, MeasureUnit.WORKERS,
    )


def test_hau_giang_2030_poverty_rate_is_compared_with_the_mekong_delta_and_the_nation(db):
    target = Target.objects.get(document__issuer__code="hg-ubnd", kind=TargetKind.COMPARISON)
    assert {u.code for u in target.compare_units.all()} == {"DBSCL", "VN"}
    assert target.min_value is None and target.max_value is None


def test_hau_giang_poverty_target_restates_chi_thi_05(db):
    central = Target.objects.get(document__number="05-CT/TW", code="MT.1")
    assert (central.min_value, central.max_value, central.change_direction) == (
        Decimal("1"), Decimal("1.5"), ChangeDirection.DECREASE,
    )
    hau_giang = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    assert hau_giang.restates == central
    assert hau_giang.min_value == Decimal("1")
    restating_provinces = set(central.restated_by.values_list("document__issuer__code", flat=True))
    assert {"hg-ubnd", "bg-btv-tu", "bl-thu"} <= restating_provinces


def test_a_luoi_leaves_the_poor_districts_by_the_end_of_2023(db):
    target = Target.objects.get(document__issuer__code="tth-btv-tu", indicator__code="GN07")
    assert (target.kind, target.territory, target.max_value, target.end_year) == (
        TargetKind.MILESTONE, unit("481"), Decimal("0"), 2023,
    )


def test_bac_giang_organisation_deadline_is_kept_as_written_and_as_a_date(db):
    task = Task.objects.get(document__issuer__code="bg-btv-tu", number="IV.1")
    assert task.deadline_text == "xong trong tháng 9/2021"
    assert task.due_on.isoformat() == "2021-09-30"
    assert task.lead_agency is not None


def test_tasks_nest_and_link_to_the_government_plan(db):
    kh18 = document("18/KH-UBND", "hg-ubnd")
    children = Task.objects.filter(document=kh18, parent__isnull=False)
    assert children.exists()
    assert all(child.parent.document_id == kh18.pk for child in children.select_related("parent"))
    implemented = Task.objects.filter(document=kh18, implements__document__number="160/NQ-CP").distinct()
    assert implemented.count() >= 3


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_target_quote_of_a_held_document_is_verbatim_in_its_seed(db, capsys):
    if not any((SEEDS / seed).is_file() for seed in HELD.values()):  # a partial folder fails below
        reason = f"no seed texts in {SEEDS}: set SEED_DIR to the folder holding them to check the target quotes"
        with capsys.disabled():  # said in every run, not only with -rs
            print(f"\nSKIPPED {__name__}: {reason}")
        pytest.skip(reason)
    for (number, issuer), seed in HELD.items():
        seed_text = normalised((SEEDS / seed).read_text(encoding="utf-8"))
        for target in Target.objects.filter(document__number=number, document__issuer__code=issuer):
            assert normalised(target.source_quote) in seed_text, (number, target.code)


def test_poverty_work_passes_from_the_labour_department_to_agriculture_and_environment(db):
    can_tho = Agency.objects.get(code="ct-so-nnmt")
    predecessors = {link.predecessor.code for link in can_tho.predecessor_links.select_related("predecessor")}
    assert predecessors == {"hg-so-nnmt"}
    assert Agency.objects.get(code="hg-so-nnmt").predecessor_links.filter(predecessor__code="hg-so-ldtbxh").exists()


def test_loading_twice_changes_nothing(db):
    before = {
        "targets": list(Target.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
    }
    result = import_workbook(read_csv_folder(CASCADE))
    assert not result.errors
    assert result.changed == 0
    assert all(t.skip > 0 and t.new == t.update == 0 for t in result.totals.values())
    assert list(Target.objects.order_by("pk").values()) == before["targets"]
    assert list(Task.objects.order_by("pk").values()) == before["tasks"]


def test_load_cascade_command_reports_nothing_changed_on_a_second_run(db, capsys):
    call_command("load_cascade")
    assert "Đã thay đổi 0 dòng." in capsys.readouterr().out


def _sheet(headers: list[str], *rows: list[str]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return dataset


def test_a_wrong_row_is_reported_with_sheet_row_and_message_and_nothing_is_written(db, tmp_path: Path):
    sheets = read_csv_folder(CASCADE)
    documents = sheets["documents"]
    new_document = dict.fromkeys(documents.headers, "")
    new_document.update({
        "Số hiệu": "99/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Kế hoạch",
        "Trích yếu": "Kế hoạch thử", "Mã địa bàn": "93", "Bản đồ": "63", "Có văn bản": "Có",
    })
    documents.append([new_document[h] for h in documents.headers])
    tasks = sheets["tasks"]
    bad_task = dict.fromkeys(tasks.headers, "")
    bad_task.update({
        "Số hiệu văn bản": "99/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Số thứ tự": "1",
        "Tiêu đề": "Nhiệm vụ thử", "Mã cơ quan chủ trì": "khong-co-co-quan-nay", "Thứ tự": "1",
    })
    tasks.append([bad_task[h] for h in tasks.headers])

    result = import_workbook(sheets)

    assert result.totals["documents"].new == 1
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.sheet, error.row) == ("tasks", len(tasks) + 1)
    assert "khong-co-co-quan-nay" in error.message
    assert not Document.objects.filter(number="99/KH-UBND").exists()


def test_a_dry_run_counts_the_change_and_writes_nothing(db):
    sheets = read_csv_folder(CASCADE)
    targets = sheets["targets"]
    column = targets.headers.index("Giá trị tối đa")
    code_column = targets.headers.index("Mã chỉ tiêu")
    rows = [list(r) for r in targets]
    for row in rows:
        if row[code_column] == "2.1.2":
            row[column] = "1,80"
    sheets["targets"] = _sheet(targets.headers, *rows)

    result = import_workbook(sheets, dry_run=True)

    assert not result.errors
    assert result.totals["targets"].update == 1
    assert Target.objects.get(document__issuer__code="tth-btv-tu", code="2.1.2").max_value == Decimal("1.84")


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("Loại chỉ tiêu", "Mức bất kỳ", "không có trong danh mục"),
        ("Giá trị tối đa", "1.5", "không phải là số"),
        ("Mã chỉ số", "ZZ99", "Không có chỉ số mã"),
        ("Chỉ tiêu cấp trên", "05-CT/TW|tw-bbt", "phải có dạng"),
        ("Địa bàn so sánh", "XX@", "Không có địa bàn mã"),
    ],
)
def test_bad_target_cells_get_a_vietnamese_message(db, column, value, message):
    sheets = read_csv_folder(CASCADE)
    targets = sheets["targets"]
    rows = [list(r) for r in targets]
    rows[0][targets.headers.index(column)] = value

    result = import_workbook({"targets": _sheet(targets.headers, *rows)})

    assert [e.row for e in result.errors] == [2]
    assert message in result.errors[0].message


@pytest.mark.parametrize(
    "issuer, code, label",
    [
        ("bg-btv-tu", "II.2.1.1", "Giảm 1,5–1,7 điểm %"),
        ("bg-btv-tu", "II.2.1.2", "Giảm 3,5 điểm % trở lên"),
        ("bg-btv-tu", "II.2.1.5", "Giảm trên 50%"),
        ("tth-btv-tu", "2.1.2", "còn 1,84%"),
        ("hg-ubnd", "II.2.a.4", "khoảng 2.500 lao động"),
        ("bl-thu", "I.3.2.1", "Giảm từ 0,1 đến 0,13 điểm %"),  # "từ ... đến" as written
    ],
)
def test_targets_read_back_as_the_texts_write_them(db, issuer, code, label):
    assert Target.objects.get(document__issuer__code=issuer, code=code).bound_label == label
