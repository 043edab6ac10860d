"""The IPTT table as an .xlsx file (the page's "Tải về Excel"): one row per target, three
columns per year. Every text goes through common.spreadsheets, so none runs as a formula."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from common.spreadsheets import xlsx_value
from dashboards.iptt import Iptt
from indicators.models import MeasureUnit


def iptt_workbook(table: Iptt) -> bytes:
    """The IPTT table as an .xlsx file: one row per target, three columns per year."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "IPTT"
    doc = table.document
    sheet.append([xlsx_value(f"IPTT – {doc.get_kind_display()} {doc.reference}: {doc.title}"[:250])])
    sheet["A1"].font = Font(bold=True, size=13)
    note = _("Năm đánh giá %(year)s; chỉ tính số liệu đã duyệt") % {"year": table.options.year}
    if table.options.include_pending:
        note = _("Năm đánh giá %(year)s; gồm cả số liệu chờ duyệt (đánh dấu *)") % {"year": table.options.year}
    if table.illustrative:
        note += _(". CÓ SỐ LIỆU MINH HỌA, KHÔNG PHẢI SỐ LIỆU THẬT")
    if table.synthetic:
        note += _(". CÓ SỐ LIỆU GIẢ LẬP (TÍNH TỪ SỔ HỘ GIẢ LẬP), KHÔNG PHẢI SỐ LIỆU THẬT")
    sheet.append([xlsx_value(note)])
    fixed = [_("Mã chỉ tiêu"), _("Chỉ số"), _("Địa bàn"), _("Mức chỉ tiêu"), _("Kỳ"), _("Đại lượng"), _("Đơn vị")]
    header = fixed + [f"{y} {part}" for y in table.years for part in (_("chỉ tiêu"), _("thực hiện"), _("% đạt"))]
    header += [_("Đánh giá"), _("Giải thích"), _("Ghi chú")]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        target = row.status.target
        unit_label = dict(MeasureUnit.choices).get(row.quantity_unit, "")
        values = [target.code, target.subject, row.status.basis.name, target.bound_label, target.period_label,
                  row.measure, str(unit_label)]
        for cell in row.cells:
            values += [cell.planned, cell.actual, cell.percent]
        notes = [row.status.closure_note]
        if any(c.pending for c in row.cells):
            notes.append(_("* gồm số liệu chờ duyệt"))
        if any(c.late for c in row.cells):
            notes.append(_("có số liệu sửa sau khi đã duyệt"))
        if any(c.illustrative for c in row.cells):
            notes.append(_("số liệu minh họa"))
        if any(c.synthetic for c in row.cells):
            notes.append(_("số liệu giả lập"))
        values += [str(row.status.status.label), row.status.evaluation.explanation, "; ".join(n for n in notes if n)]
        sheet.append([xlsx_value(float(v) if isinstance(v, Decimal) else v) for v in values])
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index > len(fixed) else 22
    sheet.freeze_panes = sheet.cell(row=4, column=len(fixed) + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

