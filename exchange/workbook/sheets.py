"""The plan workbook's sheets: their resources in load order, titles, columns and header checks."""

from django.utils.translation import gettext as _
from import_export.resources import ModelResource
from openpyxl.utils import get_column_letter

from common import uploads
from exchange.workbook.results import RowError, row_error
from indicators.dimension_resources import DimensionOptionResource
from indicators.resources import ActualResource, IndicatorResource, TargetResource
from plans.group_resources import UnitGroupMemberResource, UnitGroupResource
from plans.resources import (
    AgencyResource,
    AgencySuccessionResource,
    DocumentBasisResource,
    DocumentResource,
    TaskResource,
)
from plans.text import search_key

# Sheet name (also the CSV file stem) -> resource, in the order references need.
SHEETS: dict[str, type[ModelResource]] = {
    "agencies": AgencyResource,
    "agency_successions": AgencySuccessionResource,
    "documents": DocumentResource,
    "document_bases": DocumentBasisResource,
    "dimensions": DimensionOptionResource,
    "indicators": IndicatorResource,
    "tasks": TaskResource,
    "unit_groups": UnitGroupResource,
    "unit_group_members": UnitGroupMemberResource,
    "targets": TargetResource,
}
# Reported figures come last (they reference indicators) and go through the bulk path.
ACTUALS = "actuals"
RESOURCES: dict[str, type[ModelResource]] = {**SHEETS, ACTUALS: ActualResource}

SHEET_TITLES = {
    "agencies": "Cơ quan",
    "agency_successions": "Kế thừa cơ quan",
    "documents": "Văn bản",
    "document_bases": "Căn cứ",
    "dimensions": "Chiều phân tổ",
    "indicators": "Chỉ số",
    "tasks": "Nhiệm vụ",
    "unit_groups": "Nhóm địa bàn",
    "unit_group_members": "Đơn vị trong nhóm",
    "targets": "Chỉ tiêu",
    ACTUALS: "Số liệu thực hiện",
}
# Sheets of our template and of our error workbook that carry no data.
GUIDE_TITLE = "Hướng dẫn"
LISTS_TITLE = "Danh mục"
ERROR_LIST_TITLE = "Danh sách lỗi"
IGNORED_SHEETS = {search_key(t) for t in (GUIDE_TITLE, LISTS_TITLE, ERROR_LIST_TITLE)}
# The error workbook adds this column; a re-uploaded fixed workbook may still carry it.
ERROR_COLUMN = "Lỗi"


def max_upload_bytes() -> int:
    return uploads.PLAN_WORKBOOK.max_bytes()


def sheet_headers(name: str) -> list[str]:
    return [f.column_name for f in RESOURCES[name]().get_export_fields()]


def sheet_for_name(name: str) -> str | None:
    """The sheet a worksheet title or a CSV file stem names: `documents`, `Văn bản`, `van-ban`."""
    key = search_key(name.replace("_", " ").replace("-", " "))
    for sheet, title in SHEET_TITLES.items():
        if key in {search_key(sheet.replace("_", " ")), search_key(title.replace(",", ""))}:
            return sheet
    return None


def header_problems(sheet: str, headers: list[str], problems: list[RowError]) -> bool:
    """Report headers that are not the template's: missing, unknown or repeated. True when any."""
    expected = sheet_headers(sheet)
    found = False
    seen = set()
    for index, header in enumerate(headers):
        letter = get_column_letter(index + 1)
        if header in seen:
            problems.append(row_error(sheet, 1, letter, _("Tiêu đề cột “%(header)s” bị lặp.") % {"header": header}))
            found = True
        elif header not in expected:
            problems.append(row_error(
                sheet, 1, letter,
                _("Tiêu đề cột “%(header)s” không có trong mẫu của sheet “%(sheet)s”.") % {
                    "header": header, "sheet": SHEET_TITLES[sheet]},
            ))
            found = True
        seen.add(header)
    optional = set(getattr(RESOURCES[sheet], "OPTIONAL_COLUMNS", ()))  # columns added later: blank when absent
    missing = [h for h in expected if h not in seen and h not in optional]
    if missing:
        problems.append(row_error(
            sheet, 1, "", _("Thiếu cột: %(columns)s (tải mẫu mới để xem đủ các cột).") % {
                "columns": ", ".join(f"“{h}”" for h in missing)},
        ))
        found = True
    return found
