"""Build the shipped template of the periodic monitoring report (data/reports/mau-01-bao-cao-giam-sat.docx).

The .docx holds docxtpl (Jinja) tags; reports.docx_report fills them. Run again after changing the
outline here; an administrator's own template (see data/reports/README.md) is never overwritten.
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports.docx_report import SHIPPED_TEMPLATE

FONT = "Times New Roman"


def _paragraph(document, text: str = "", *, bold=False, italic=False, size=None, align=None, space_after=6):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def _cell(cell, text: str, *, bold=False, italic=False, size=10, align=None):
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        paragraph.alignment = align


def _loop_table(document, headers: list[str], cells: list[str], loop: str, widths: list[float], total: list[str] | None = None):
    """A header row, the docxtpl row loop (`{%tr for … %}` / the row / `{%tr endfor %}`) and a totals row."""
    rows = 4 + (1 if total else 0)
    table = document.add_table(rows=rows, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, header in enumerate(headers):
        _cell(table.rows[0].cells[i], header, bold=True, size=9, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(table.rows[1].cells[0], "{%tr for r in " + loop + " %}", size=9)
    for i, text in enumerate(cells):
        right = text.startswith("{{ r.cells") or text in ("{{ r.planned }}", "{{ r.actual }}", "{{ r.number }}")
        _cell(table.rows[2].cells[i], text, size=9, align=WD_ALIGN_PARAGRAPH.RIGHT if right else None)
    _cell(table.rows[3].cells[0], "{%tr endfor %}", size=9)
    if total:
        for i, text in enumerate(total):
            _cell(table.rows[4].cells[i], text, bold=True, size=9, align=WD_ALIGN_PARAGRAPH.RIGHT if i else None)
    _widths(table, widths)
    return table


def _widths(table, widths: list[float]) -> None:
    """Column widths Word and LibreOffice both honour: the grid's and every cell's."""
    for i, width in enumerate(widths):
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)


def build(path: Path) -> None:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    header = document.add_table(rows=1, cols=2)
    header.autofit = False
    _widths(header, [6, 10])
    left, right = header.rows[0].cells
    _cell(left, "{{ unit_name|upper }}", bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    left.add_paragraph("Số:        /BC").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cell(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    motto = right.add_paragraph()
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = motto.add_run("Độc lập - Tự do - Hạnh phúc")
    run.bold, run.underline = True, True
    dated = right.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    dated.add_run("{{ place_date }}").italic = True

    _paragraph(document, "")
    _paragraph(document, "BÁO CÁO", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _paragraph(document, "Kết quả giám sát, đánh giá thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững "
               "{{ period }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _paragraph(document, "(Theo Mẫu số 01 ban hành kèm theo Thông tư số 10/2022/TT-BLĐTBXH)", italic=True, size=12,
               align=WD_ALIGN_PARAGRAPH.CENTER)

    document.add_heading("I. TÌNH HÌNH CHUNG", level=2)
    _paragraph(document, "{{ general_situation }}")

    document.add_heading("II. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU", level=2)
    _paragraph(document, "Tổng số chỉ tiêu: {{ target_count }}{% for s in status_counts %}; {{ s.label|lower }}: "
               "{{ s.count }}{% endfor %}.")
    _loop_table(
        document,
        ["STT", "Chỉ tiêu", "Mục tiêu", "Đơn vị tính", "Kế hoạch năm {{ year }}", "Thực hiện năm {{ year }}",
         "Đánh giá", "Giải thích"],
        ["{{ r.number }}", "{{ r.code }} {{ r.subject }} ({{ r.document }}, {{ r.territory }})", "{{ r.bound }}",
         "{{ r.unit }}", "{{ r.planned }}", "{{ r.actual }}", "{{ r.status }}", "{{ r.explanation }}"],
        "targets", [0.9, 4.2, 2.3, 1.3, 1.7, 1.7, 1.6, 2.3],
    )
    _paragraph(document, "{{ results_commentary }}")

    document.add_heading("III. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ", level=2)
    _paragraph(document, "Nhiệm vụ theo bốn nhóm của Văn phòng Chính phủ, theo cơ quan chủ trì:")
    _loop_table(
        document,
        ["Cơ quan chủ trì", "{{ task_headers[0] }}", "{{ task_headers[1] }}", "{{ task_headers[2] }}",
         "{{ task_headers[3] }}"],
        ["{{ r.agency }}", "{{ r.cells[0] }}", "{{ r.cells[1] }}", "{{ r.cells[2] }}", "{{ r.cells[3] }}"],
        "tasks", [6, 2.5, 2.5, 2.5, 2.5],
        total=["Tổng", "{{ task_totals[0] }}", "{{ task_totals[1] }}", "{{ task_totals[2] }}", "{{ task_totals[3] }}"],
    )

    document.add_heading("IV. KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM {{ year }}", level=2)
    _loop_table(
        document,
        ["Địa bàn", "Tổng số hộ", "Hộ nghèo đầu kỳ", "Thoát nghèo", "Tái nghèo", "Nghèo phát sinh",
         "Hộ nghèo cuối kỳ", "Tỷ lệ hộ nghèo (%)"],
        ["{{ r.name }}"] + [f"{{{{ r.cells[{i}] }}}}" for i in range(7)],
        "movements", [3.6, 1.8, 1.7, 1.5, 1.4, 1.6, 1.8, 1.6],
        total=["{{ movement_total.name }}"] + [f"{{{{ movement_total.cells[{i}] }}}}" for i in range(7)],
    )

    document.add_heading("V. KHÓ KHĂN, VƯỚNG MẮC", level=2)
    _paragraph(document, "{{ difficulties }}")
    document.add_heading("VI. ĐỀ XUẤT, KIẾN NGHỊ", level=2)
    _paragraph(document, "{{ proposals }}")

    _paragraph(document, "{{ figures_note }} {{ narrative_status }}", italic=True, size=11)
    _paragraph(document, "Nơi nhận:", bold=True, italic=True, size=12, space_after=0)
    _paragraph(document, "- Như trên;\n- Lưu: VT.", size=11)
    for style in ("Heading 2",):
        heading = document.styles[style]
        heading.font.name, heading.font.size = FONT, Pt(13)
        fonts = heading.element.rPr.rFonts
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        fonts.set(qn("w:eastAsia"), FONT)
        heading.font.color.rgb = None
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


class Command(BaseCommand):
    help = "Build the shipped .docx template of the periodic monitoring report (docxtpl tags)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(SHIPPED_TEMPLATE))

    def handle(self, *args, output: str, **options):
        build(Path(output))
        self.stdout.write(f"{output}\n")
