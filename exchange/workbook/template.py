"""The plan workbook as a file: the empty template to fill, and an upload given back with its errors.

The template has one sheet per workbook sheet (Vietnamese headers, in load order), a guide sheet
explaining each column, dropdowns (openpyxl data validation) for every choice column, agency
codes and indicator codes, read from a hidden list sheet, and an example row per sheet taken from
the records already stored, so that importing the template unchanged changes nothing.
"""

from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from common.spreadsheets import xlsx_value
from exchange.workbook.reading import read_upload
from exchange.workbook.results import Formula, SheetRows, dataset_rows
from exchange.workbook.sheets import (
    ACTUALS,
    ERROR_COLUMN,
    ERROR_LIST_TITLE,
    GUIDE_TITLE,
    LISTS_TITLE,
    RESOURCES,
    SHEET_TITLES,
    sheet_headers,
)
from indicators.models import (
    Aggregation,
    ChangeDirection,
    Direction,
    GroupJudgement,
    Indicator,
    MeasureUnit,
    PeriodKind,
    TargetKind,
)
from indicators.resources import IMPORT_STATUSES
from plans.models import Agency, AgencyKind, BasisRelation, DocumentKind, Recurrence, UnitGroupKind
from review.models import ReviewStatus

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
WRONG_ROW_FILL = PatternFill("solid", fgColor="FDE2E1")
WRONG_CELL_FILL = PatternFill("solid", fgColor="F4A6A3")
VALIDATED_ROWS = 5000

AGENCY_COLUMNS = {"Mã cơ quan ban hành", "Mã cơ quan chủ trì", "Mã cơ quan cũ", "Mã cơ quan mới", "Mã cơ quan ban hành căn cứ"}


def _labels(choices) -> list[str]:
    return [str(label) for value, label in choices.choices if value != ""]


def choice_lists() -> dict[str, list[str]]:
    """Column header -> the values its dropdown offers."""
    agencies = list(Agency.objects.order_by("code").values_list("code", flat=True))
    indicators = list(Indicator.objects.order_by("code").values_list("code", flat=True))
    lists = {
        "Loại cơ quan": _labels(AgencyKind),
        "Loại nhóm": _labels(UnitGroupKind),
        "Loại văn bản": _labels(DocumentKind),
        "Loại chỉ tiêu": _labels(TargetKind),
        "Cách đánh giá theo nhóm": _labels(GroupJudgement),
        "Chiều thay đổi": _labels(ChangeDirection),
        "Đơn vị tính": _labels(MeasureUnit),
        "Đơn vị": _labels(MeasureUnit),
        "Chiều tốt": _labels(Direction),
        "Cách tổng hợp": _labels(Aggregation),
        "Tần suất": _labels(Recurrence),
        "Có văn bản": ["Có", "Không"],
        "Đo theo chuẩn nghèo": ["Có", "Không"],
        "Số hiệu chưa xác minh": ["Có", "Không"],
        "Ngày ban hành chưa xác minh": ["Có", "Không"],
        "Quan hệ": _labels(BasisRelation),
        "Bản đồ": ["63", "34"],
        "Kỳ": _labels(PeriodKind),
        "Trạng thái": [str(ReviewStatus(s).label) for s in IMPORT_STATUSES],
        "Mã chỉ số": indicators,
    }
    for column in AGENCY_COLUMNS:
        lists[column] = agencies
    return lists


# Column -> what to write in it. Shared by every sheet that has the column.
HELP = {
    "Mã cơ quan": "Mã ngắn, cố định của cơ quan, có tiền tố địa bàn (tw-, hg-, ct-...). Dùng để các sheet khác tham chiếu.",
    "Tên cơ quan": "Tên đầy đủ.",
    "Tên viết tắt": "Không bắt buộc.",
    "Loại cơ quan": "Chọn trong danh sách.",
    "Mã địa bàn": "Mã đơn vị hành chính chính thức (QĐ 124/2004): VN cả nước, DBSCL vùng, 93 Hậu Giang... Giữ dạng văn bản nếu mã bắt đầu bằng 0.",
    "Bản đồ": "63 = bản đồ trước 1/7/2025; 34 = bản đồ từ 1/7/2025; để trống cho cả nước và các vùng.",
    "Hiệu lực từ": "Ngày/tháng/năm, ví dụ 01/03/2025. Không bắt buộc.",
    "Hiệu lực đến": "Ngày/tháng/năm. Để trống nếu còn hiệu lực.",
    "Ghi chú": "Không bắt buộc.",
    "Mã cơ quan cũ": "Mã cơ quan chuyển giao nhiệm vụ.",
    "Mã cơ quan mới": "Mã cơ quan nhận nhiệm vụ.",
    "Ngày hiệu lực": "Ngày/tháng/năm.",
    "Phạm vi chuyển giao": "Không bắt buộc, ví dụ “công tác giảm nghèo”.",
    "Căn cứ": "Văn bản quy định việc chuyển giao. Không bắt buộc.",
    "Số hiệu": "Số hiệu văn bản như ghi trên văn bản, ví dụ 18/KH-UBND; để trống nếu chưa biết. Ở các sheet khác có thể ghi mã văn bản thay cho số hiệu.",
    "Mã cơ quan ban hành": "Mã cơ quan (sheet Cơ quan). Số hiệu + cơ quan ban hành xác định một văn bản; không bắt buộc khi ô số hiệu ghi mã văn bản.",
    "Mã văn bản": "Mã cố định của văn bản (chữ thường, số, dấu -). Để trống: hệ thống tự tạo; văn bản chưa có số hiệu thì ghi lại mã này để các sheet khác tham chiếu.",
    "Số hiệu chưa xác minh": "“Có” nếu số hiệu chưa được đối chiếu với văn bản gốc. Để trống: Không.",
    "Ngày ban hành chưa xác minh": "“Có” nếu ngày ban hành chưa được đối chiếu với văn bản gốc. Để trống: Không.",
    "Mục đích": "Phần “Mục đích” của văn bản, chép nguyên văn. Không bắt buộc.",
    "Yêu cầu": "Phần “Yêu cầu” của văn bản, chép nguyên văn. Không bắt buộc.",
    "Quan hệ": "Căn cứ, Thực hiện, Thay thế hoặc Sửa đổi, bổ sung. Để trống: Căn cứ.",
    "Loại văn bản": "Chọn trong danh sách.",
    "Trích yếu": "Không bắt buộc.",
    "Người ký": "Không bắt buộc.",
    "Chức vụ người ký": "Không bắt buộc.",
    "Ngày ban hành": "Ngày/tháng/năm, ví dụ 09/02/2022.",
    "Từ năm": "Năm bắt đầu, ví dụ 2021.",
    "Đến năm": "Năm kết thúc, ví dụ 2025.",
    "Có văn bản": "“Có” nếu có toàn văn; “Không” nếu văn bản chỉ được trích dẫn.",
    "Nguồn": "Không bắt buộc.",
    "Số hiệu căn cứ": "Số hiệu (hoặc mã) văn bản được căn cứ, thực hiện, thay thế hoặc sửa đổi, bổ sung.",
    "Mã cơ quan ban hành căn cứ": "Mã cơ quan ban hành văn bản đó; không bắt buộc khi ô trước ghi mã văn bản.",
    "Mã chỉ số": "Mã chỉ số trong danh mục (sheet Chỉ số), ví dụ GN01.",
    "Tên chỉ số": "Tên đầy đủ.",
    "Đơn vị tính": "Chọn trong danh sách.",
    "Chiều tốt": "Chọn trong danh sách.",
    "Cách tổng hợp": "Cộng dồn (số lượng), Tỷ lệ (tử số/mẫu số) hoặc Không tổng hợp.",
    "Mô tả": "Không bắt buộc.",
    "Số hiệu văn bản": "Số hiệu văn bản chứa dòng này, hoặc mã văn bản (khi văn bản chưa có số hiệu).",
    "Số thứ tự": "Số thứ tự như trong văn bản, ví dụ III.3. Duy nhất trong văn bản.",
    "Số thứ tự mục cha": "Số thứ tự của mục chứa nhiệm vụ này (mục cha phải đứng trước). Để trống nếu là mục gốc.",
    "Tiêu đề": "Không bắt buộc.",
    "Nội dung": "Chép nguyên văn.",
    "Mã cơ quan chủ trì": "Mã cơ quan chủ trì. Không bắt buộc.",
    "Mã cơ quan phối hợp": "Các mã cơ quan, cách nhau bằng dấu ;",
    "Thời hạn": "Như ghi trong văn bản, ví dụ “xong trong tháng 9/2021”.",
    "Hạn hoàn thành": "Ngày cuối cùng mà thời hạn có nghĩa, ví dụ 30/09/2021.",
    "Tần suất": "Chọn trong danh sách; để trống nếu không có.",
    "Thực hiện nhiệm vụ": "Nhiệm vụ của văn bản cấp trên: số hiệu|mã cơ quan|số thứ tự, nhiều nhiệm vụ cách nhau bằng ;",
    "Thứ tự": "Vị trí trong văn bản: 1, 2, 3...",
    "Mã chỉ tiêu": "Mã chỉ tiêu, duy nhất trong văn bản.",
    "Loại chỉ tiêu": "Chọn trong danh sách.",
    "Chiều thay đổi": "Giảm / Tăng cho hai loại thay đổi; để trống cho loại khác.",
    "Giá trị tối thiểu": "Số viết kiểu Việt Nam: 1,5 hoặc 75.000.",
    "Giá trị tối đa": "Số viết kiểu Việt Nam: 1,84.",
    "Đơn vị": "Chọn trong danh sách. Mức, lũy kế, mốc: đơn vị tính của chỉ số. Thay đổi của chỉ số đo bằng %: “điểm %” (chênh lệch tỷ lệ) hoặc “%” (thay đổi tương đối của giá trị); chỉ số khác: đơn vị tính của chỉ số hoặc “%”. Gấp nhiều lần: “lần”. Định tính: để trống.",
    "Hạn": "Ngày/tháng/năm. Không bắt buộc.",
    "Giá trị gốc": "Giá trị năm gốc (cho chỉ tiêu thay đổi so với gốc).",
    "Năm gốc": "Năm của giá trị gốc.",
    "Từ ngữ": "Như văn bản viết: trên, trở lên, khoảng, cơ bản, còn, đạt, từ ... trở lên, từ ... đến (dấu ... là chỗ của con số).",
    "Chuẩn nghèo": "Mã chuẩn nghèo: qd-09-2011 (2011–2015), qd-59-2015 (2016–2020), nd-07-2021 (2022–2026), nd-351-2025 (2027–2030).",
    "Nhóm địa bàn": "Mã nhóm địa bàn (sheet Nhóm địa bàn) khi chỉ tiêu đặt cho một nhóm, ví dụ các huyện nghèo. Không bắt buộc.",
    "Cách đánh giá theo nhóm": "Bắt buộc khi có nhóm địa bàn: chọn trong danh sách.",
    "Địa bàn so sánh": "mã@bản đồ, cách nhau bằng ; ví dụ DBSCL@;VN@",
    "Chỉ tiêu cấp trên": "Chỉ tiêu được cụ thể hóa: số hiệu|mã cơ quan|mã chỉ tiêu, ví dụ 05-CT/TW|tw-bbt|MT.1",
    "Trích dẫn nguồn": "Chép nguyên văn câu trong văn bản.",
    "Năm": "Năm của số liệu, ví dụ 2024.",
    "Kỳ": "Năm, 6 tháng hoặc Quý. Để trống: cả năm.",
    "Số kỳ": "0 hoặc để trống cho cả năm; 1–2 cho 6 tháng; 1–4 cho quý.",
    "Giá trị": "Số viết kiểu Việt Nam (2,41 hoặc 1.250). Nhập giá trị, hoặc tử số và mẫu số.",
    "Tử số": "Số nguyên, không lớn hơn mẫu số.",
    "Mẫu số": "Số nguyên lớn hơn 0.",
    "Trạng thái": "Nháp, Đã gửi hoặc Đã duyệt. Để trống: Đã duyệt (số liệu chính thức do quản trị nhập).",
    "Đo theo chuẩn nghèo": "Có nếu số liệu của chỉ số đổi nghĩa khi đổi chuẩn nghèo (tỷ lệ, số hộ nghèo, cận nghèo): mỗi số liệu ghi chuẩn nghèo của nó. Để trống: Không.",
    "Chiều phân tổ": "Mã các chiều phân tổ của chỉ số (sheet Chiều phân tổ), cách nhau bằng dấu phẩy, ví dụ khu-vuc, dan-toc. Không bắt buộc.",
    "Mã chiều phân tổ": "Mã ngắn của cách chia số liệu, ví dụ khu-vuc, dan-toc. Mã mới tạo chiều mới.",
    "Tên chiều phân tổ": "Ví dụ Khu vực, Dân tộc, Giới tính chủ hộ. Bắt buộc khi mã chiều mới.",
    "Mã nhóm phân tổ": "Mã của nhóm, duy nhất trong mọi chiều, ví dụ thanh-thi, dan-toc-thieu-so. Dùng ở cột “Nhóm phân tổ” của số liệu và chỉ tiêu.",
    "Tên nhóm phân tổ": "Ví dụ Thành thị, Dân tộc thiểu số. Các nhóm của một chiều cộng lại bằng tổng số.",
    "Mã nhóm": "Mã ngắn, cố định của nhóm địa bàn, ví dụ huyen-ngheo-2021-2025. Dùng ở cột “Nhóm địa bàn” của chỉ tiêu.",
    "Tên nhóm": "Như văn bản gọi, ví dụ Huyện nghèo giai đoạn 2021–2025.",
    "Loại nhóm": "Chọn trong danh sách.",
    "Mã địa bàn phạm vi": "Địa bàn mà danh sách áp dụng: VN cho danh sách toàn quốc, mã tỉnh cho danh sách của tỉnh.",
    "Văn bản quy định": "Số hiệu (hoặc mã văn bản) của văn bản ban hành danh sách, ví dụ 353/QĐ-TTg. Không bắt buộc.",
    "Căn cứ pháp lý": "Như văn bản viết, ví dụ “Phụ lục I Quyết định số 353/QĐ-TTg ngày 15/3/2022”.",
    "Vào nhóm từ": "Ngày/tháng/năm. Để trống: từ khi nhóm có hiệu lực.",
    "Ra khỏi nhóm từ": "Ngày đơn vị không còn trong nhóm (ngày của quyết định đưa ra khỏi danh sách). Để trống nếu còn trong nhóm.",
    "Căn cứ ra khỏi nhóm": "Văn bản đưa đơn vị ra khỏi nhóm, ví dụ “Quyết định số 702/QĐ-TTg ngày 22/7/2024”.",
}
REQUIRED = {
    "agencies": {"Mã cơ quan", "Tên cơ quan", "Loại cơ quan", "Mã địa bàn"},
    "agency_successions": {"Mã cơ quan cũ", "Mã cơ quan mới", "Ngày hiệu lực"},
    "documents": {"Mã cơ quan ban hành", "Loại văn bản", "Mã địa bàn"},
    "document_bases": {"Số hiệu", "Số hiệu căn cứ"},
    "dimensions": {"Mã chiều phân tổ", "Mã nhóm phân tổ", "Tên nhóm phân tổ"},
    "unit_groups": {"Mã nhóm", "Tên nhóm", "Loại nhóm", "Mã địa bàn phạm vi"},
    "unit_group_members": {"Mã nhóm", "Mã địa bàn"},
    "indicators": {"Mã chỉ số", "Tên chỉ số", "Đơn vị tính", "Chiều tốt", "Cách tổng hợp"},
    "tasks": {"Số hiệu văn bản", "Số thứ tự"},
    "targets": {"Số hiệu văn bản", "Mã cơ quan ban hành", "Mã chỉ tiêu", "Mã địa bàn", "Loại chỉ tiêu", "Đến năm", "Trích dẫn nguồn"},
    ACTUALS: {"Mã chỉ số", "Mã địa bàn", "Năm"},
}
GENERAL_NOTES = [
    "Mỗi sheet một loại dữ liệu, nạp theo thứ tự các sheet. Không đổi tên sheet và tiêu đề cột.",
    "Dòng 2 của mỗi sheet (chữ nghiêng, màu xám) là ví dụ lấy từ dữ liệu đang có: để nguyên thì không thay đổi gì; có thể xóa.",
    "Dòng trùng khóa với dữ liệu đang có sẽ cập nhật bản ghi đó (văn bản: mã văn bản, hoặc số hiệu + cơ quan ban hành, hoặc với văn bản chưa có số hiệu: cơ quan + loại + ngày ban hành + trích yếu; nhiệm vụ: văn bản + số thứ tự; chỉ số: mã; chỉ tiêu: văn bản + mã; số liệu: chỉ số + địa bàn + kỳ).",
    "Số viết kiểu Việt Nam: dấu , trước phần thập phân, dấu . giữa các nhóm nghìn (1,84; 75.000). Ngày viết ngày/tháng/năm.",
    "Chỉ nhập giá trị, không dùng công thức: ô có công thức bị từ chối.",
    "Trước khi ghi, hệ thống cho xem trước: số dòng mới, thay đổi, không đổi, sai ở từng sheet. Một ô sai thì không ghi gì cả.",
    "Có thể tải lên từng sheet dưới dạng CSV (UTF-8), tên tệp là tên sheet, ví dụ “Số liệu thực hiện.csv” hoặc “actuals.csv”.",
]


def _style_header(sheet, headers: list[str]) -> None:
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 6))
    sheet.freeze_panes = "A2"


def _example_row(name: str) -> list | None:
    resource = RESOURCES[name]()
    instance = resource.get_queryset().order_by("pk").first()
    if instance is None:
        return None
    return [resource.export_field(f, instance) for f in resource.get_export_fields()]


def _guide(sheet) -> None:
    sheet.append(["Mẫu bảng tính kế hoạch giảm nghèo bền vững"])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in GENERAL_NOTES:
        sheet.append([f"• {note}"])
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append(["Sheet", "Cột", "Bắt buộc", "Cách ghi"])
    for cell in sheet[header_row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    for name in RESOURCES:
        for header in sheet_headers(name):
            sheet.append([SHEET_TITLES[name], header, "Có" if header in REQUIRED.get(name, set()) else "", HELP.get(header, "")])
    sheet.append([])
    sheet.append(["Ví dụ một dòng số liệu thực hiện:"])
    sheet.append(["GN01 | 93 | 63 | 2024 | Năm | 0 | 2,41 | | | Đã duyệt"])
    for column, width in zip("ABCD", (22, 28, 10, 100)):
        sheet.column_dimensions[column].width = width


def build_template(target) -> None:
    """Write the template workbook to `target` (a path or a binary file)."""
    book = openpyxl.Workbook()
    _guide(book.active)
    book.active.title = GUIDE_TITLE
    lists = choice_lists()
    list_sheet = book.create_sheet(LISTS_TITLE)
    list_sheet.sheet_state = "hidden"
    ranges = {}
    for index, (column, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        list_sheet.cell(row=1, column=index, value=column)
        for row, value in enumerate(values, start=2):
            list_sheet.cell(row=row, column=index, value=xlsx_value(value))
        ranges[column] = f"'{LISTS_TITLE}'!${letter}$2:${letter}${max(len(values) + 1, 2)}"

    for name in RESOURCES:
        sheet = book.create_sheet(SHEET_TITLES[name])
        headers = sheet_headers(name)
        _style_header(sheet, headers)
        example = _example_row(name)
        if example is not None:
            sheet.append([xlsx_value(v) for v in example])
            for cell in sheet[2]:
                cell.font = EXAMPLE_FONT
        for index, header in enumerate(headers, start=1):
            # The key column of the agencies sheet defines codes; it offers none.
            if header not in ranges or (name == "agencies" and header == "Mã cơ quan"):
                continue
            if header == "Mã chỉ số" and name == "indicators":
                continue
            validation = DataValidation(
                type="list", formula1=ranges[header], allow_blank=True, showErrorMessage=True,
                errorTitle="Giá trị không hợp lệ", error="Chọn một giá trị trong danh sách.",
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
            sheet.add_data_validation(validation)
    book.save(target)


# ---------------------------------------------------------------------------------------------
# The upload given back with its errors


def build_error_workbook(path: Path, original_name: str, errors: list[dict], target) -> None:
    """The uploaded sheets again, wrong rows highlighted (wrong cells darker), an error column,
    and a first sheet listing every error. Cells are written as values, never as formulas."""
    from openpyxl.cell import WriteOnlyCell

    by_row: dict[tuple[str, int], list[str]] = defaultdict(list)
    wrong_cells: set[tuple[str, int, str]] = set()
    for error in errors:
        by_row[(error["sheet"], error["row"])].append(
            f"{error['column']}: {error['message']}" if error["column"] else error["message"]
        )
        wrong_cells.add((error["sheet"], error["row"], error["column"]))

    workbook = read_upload(path, original_name)
    sheets = dict(workbook.sheets)
    sheets.update(workbook.unchecked)
    book = openpyxl.Workbook(write_only=True)
    summary = book.create_sheet(ERROR_LIST_TITLE)
    summary.append(["Sheet", "Dòng", "Cột", "Lỗi"])
    for error in errors:
        summary.append([
            SHEET_TITLES.get(error["sheet"], error["sheet"]), error["row"] or "", error["column"], xlsx_value(error["message"]),
        ])

    for name in RESOURCES:
        if name not in sheets:
            continue
        sheet_data = sheets[name]
        headers = list(sheet_data.headers)
        sheet = book.create_sheet(SHEET_TITLES[name])
        sheet.append([*headers, ERROR_COLUMN])
        header_messages = by_row.get((name, 1))
        if header_messages:
            sheet.append([None] * len(headers) + ["; ".join(header_messages)])
        rows = sheet_data.open_rows() if isinstance(sheet_data, SheetRows) else dataset_rows(sheet_data)
        for row_number, values in rows:
            messages = by_row.get((name, row_number))
            if not messages:
                sheet.append([_plain(v) for v in values])
                continue
            cells = []
            for header, value in zip(headers, values):
                cell = WriteOnlyCell(sheet, value=_plain(value))
                cell.fill = WRONG_CELL_FILL if (name, row_number, header) in wrong_cells else WRONG_ROW_FILL
                cells.append(cell)
            note = WriteOnlyCell(sheet, value=xlsx_value("; ".join(messages)))
            note.fill, note.font = WRONG_CELL_FILL, Font(bold=True)
            cells.append(note)
            sheet.append(cells)
    book.save(target)


def _plain(value):
    return xlsx_value(str(value) if isinstance(value, Formula) else value)


