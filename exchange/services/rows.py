"""The appendix's rows, once its columns are mapped, as the tasks they describe.

Group rows ("I. NHÓM NHIỆM VỤ VỀ ...", a Roman numeral in the number column, or one text merged
across the row) become parent tasks; the tasks below them are numbered inside them ("I.1"). A
row with only content continues the task above it (a cell the author split over two rows); a row
repeated by a merged cell is one task.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from exchange.services import mapping as m
from exchange.services.deadlines import parse_deadline

_ROMAN = re.compile(r"^(?=[ivxlc]+\b)(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.IGNORECASE)
_HEADING = re.compile(r"^\s*([IVXLC]+)\s*[.)/:-]\s*(.+)$", re.DOTALL)
_COLUMN_NUMBERS = re.compile(r"^\(?\d{1,2}\)?$")
_ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]


@dataclass
class PlannedTask:
    line: int  # row number in the table, 1-based, as the author sees it
    number: str
    title: str = ""
    text: str = ""
    lead: str = ""
    coordinating: str = ""
    deadline_text: str = ""
    product: str = ""
    parent_number: str = ""
    is_group: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def due_on(self) -> datetime.date | None:
        return parse_deadline(self.deadline_text)[0]

    @property
    def recurrence(self) -> str:
        return parse_deadline(self.deadline_text)[1]

    def full_text(self) -> str:
        """The task's text, with what the appendix calls its product (the Task has no field of its own)."""
        if self.product:
            return f"{self.text}\nSản phẩm: {self.product}".strip()
        return self.text


def is_roman(text: str) -> bool:
    return bool(text) and bool(_ROMAN.match(text.strip().rstrip(".")))


def _cells(row: list[str], fields: list[str]) -> dict[str, str]:
    values = {f: "" for f in m.FIELDS}
    for text, f in zip(row, fields):
        if f != m.SKIP and text:
            values[f] = text
    return values


def _is_column_numbers(row: list[str]) -> bool:
    """The row of column numbers some appendices put under their header: "(1) (2) (3)"."""
    filled = [c for c in row if c]
    return len(filled) >= 2 and all(_COLUMN_NUMBERS.match(c) for c in filled)


def _group_heading(row: list[str], values: dict[str, str]) -> tuple[str, str] | None:
    """(numeral, title) when the row is a group heading, else None."""
    number = values[m.NUMBER].strip().rstrip(".")
    filled = [c for c in row if c]
    if is_roman(number):
        title = values[m.CONTENT] or next((c for c in filled if c.strip().rstrip(".") != values[m.NUMBER].strip().rstrip(".")), "")
        return number.upper(), title
    if len(set(filled)) == 1:  # one text merged across the row
        match = _HEADING.match(filled[0])
        if match and is_roman(match.group(1)):
            return match.group(1).upper(), match.group(2).strip()
        if not values[m.LEAD] and not values[m.DEADLINE] and filled[0].isupper():
            return "", filled[0]
    return None


def _clean_number(text: str) -> str:
    return text.strip().rstrip(".").replace(" ", "")


def plan_tasks(rows: list[list[str]], *, header_row: int, fields: list[str], prefix: str = "") -> list[PlannedTask]:
    """The tasks of the table's rows below `header_row`, in order, each group before its tasks."""
    tasks: list[PlannedTask] = []
    taken: set[str] = set()
    group: PlannedTask | None = None
    in_group = 0  # tasks seen in the current group, for rows without a number

    def unique(number: str, task: PlannedTask) -> str:
        if number not in taken:
            return number
        n = 2
        while f"{number}-{n}" in taken:
            n += 1
        task.notes.append(_("Số thứ tự “%(number)s” trùng, ghi thành “%(new)s”.") % {"number": number, "new": f"{number}-{n}"})
        return f"{number}-{n}"

    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        if not any(row) or (index == header_row + 1 and _is_column_numbers(row)):
            continue
        values = _cells(row, fields)
        heading = _group_heading(row, values)
        if heading is not None:
            numeral = heading[0] or _ROMANS[min(len([t for t in tasks if t.is_group]), len(_ROMANS) - 1)]
            group = PlannedTask(line=index + 1, number="", title=heading[1], is_group=True)
            group.number = unique(f"{prefix}{numeral}", group)
            taken.add(group.number)
            tasks.append(group)
            in_group = 0
            continue
        previous = next((t for t in reversed(tasks) if not t.is_group), None)
        number = _clean_number(values[m.NUMBER])
        content = values[m.CONTENT]
        if previous and not number and (m.NUMBER in fields) and not (values[m.LEAD] or values[m.DEADLINE]):
            if content and not values[m.COORDINATING]:
                previous.text = f"{previous.text}\n{content}".strip()
                continue
            if not content:
                previous.coordinating = "\n".join(filter(None, [previous.coordinating, values[m.COORDINATING]]))
                continue
        if previous and content == previous.text and number == previous.number.rsplit(".", 1)[-1]:
            continue  # the same task again, repeated by a cell merged down
        if not content:
            continue
        in_group += 1
        local = number or str(in_group)
        full = f"{group.number}.{local}" if group and not local.startswith(f"{group.number}.") else f"{prefix}{local}" if not group else local
        task = PlannedTask(
            line=index + 1, number="", text=content, lead=values[m.LEAD], coordinating=values[m.COORDINATING],
            deadline_text=values[m.DEADLINE][:200], product=values[m.PRODUCT],
        )
        task.number = unique(full[:40], task)
        parent = task.number.rsplit(".", 1)[0] if "." in task.number else ""
        task.parent_number = parent if parent in taken else (group.number if group else "")
        taken.add(task.number)
        tasks.append(task)
    return tasks
