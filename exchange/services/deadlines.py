"""A deadline as written ("Quý III/2022", "Trước 30/9/2021", "Hằng năm", "2021 - 2025") read into a
date and a recurrence. The text itself is always kept as written; what cannot be read stays text."""

import calendar
import datetime
import re

from plans.models import Recurrence
from plans.text import search_key

_RECURRENCES = (
    (re.compile(r"\b(hang|moi) thang\b"), Recurrence.MONTHLY),
    (re.compile(r"\b(hang|moi) quy\b"), Recurrence.QUARTERLY),
    (re.compile(r"\b(dinh ky )?(6|sau) thang( mot lan)?\b(?! (dau|cuoi) nam)"), Recurrence.HALF_YEARLY),
    (re.compile(r"\b(hang|moi) nam\b"), Recurrence.YEARLY),
    (re.compile(r"\b(thuong xuyen|lien tuc)\b"), Recurrence.CONTINUOUS),
)
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_FULL_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_WORDED_DATE = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_MONTH = re.compile(r"\bthang (\d{1,2})\s*(?:/|nam|-)\s*(\d{4})\b|\b(\d{1,2})/(\d{4})\b")
_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])\s*(?:/|nam|-)?\s*(\d{4})\b")
_HALF = re.compile(r"\b(6|sau) thang (dau|cuoi) nam\s*(\d{4})\b")
_YEAR = re.compile(r"\b(19[9]\d|20\d{2})\b")


def _valid(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> datetime.date | None:
    if not 1 <= month <= 12:
        return None
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str) -> tuple[datetime.date | None, str]:
    """(due_on, recurrence): the latest date the text names (a day; the end of a month, quarter, half
    or year), and the recurrence its words say ("" when none)."""
    key = search_key(text)
    recurrence = next((value for pattern, value in _RECURRENCES if pattern.search(key)), "")
    dates: list[datetime.date] = []
    rest = key
    for pattern in (_FULL_DATE, _WORDED_DATE):
        for match in pattern.finditer(rest):
            day, month, year = (int(g) for g in match.groups())
            if (date := _valid(year, month, day)) is not None:
                dates.append(date)
        rest = pattern.sub(" ", rest)
    for match in _HALF.finditer(rest):
        dates.append(_month_end(int(match.group(3)), 6 if match.group(2) == "dau" else 12))
    rest = _HALF.sub(" ", rest)
    for match in _QUARTER.finditer(rest):
        dates.append(_month_end(int(match.group(2)), 3 * _ROMAN_QUARTERS[match.group(1)]))
    rest = _QUARTER.sub(" ", rest)
    for match in _MONTH.finditer(rest):
        month, year = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        dates.append(_month_end(int(year), int(month)))
    rest = _MONTH.sub(" ", rest)
    dates.extend(datetime.date(int(year), 12, 31) for year in _YEAR.findall(rest))
    dates = [d for d in dates if d is not None]
    return (max(dates) if dates else None), recurrence
