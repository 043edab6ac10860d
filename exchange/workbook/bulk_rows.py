"""The actuals sheet's rows, read and checked without a query per row (exchange.workbook.bulk_actuals
writes what passes).

The same columns as indicators.resources.ActualResource (indicator code, unit code and map,
period, value or numerator/denominator, status, poverty standard, breakdown) and the same checks (services.validate_figure,
the period rules); indicators and units are looked up in memory. A row that passes becomes a
`Staged` tuple; one that fails counts in the `BulkResult` with a Vietnamese message per cell.

A figure of a unit for a period that ends after the unit closed (indicators.closures) is refused
like on the entry page: the closed units' last days are read once; the refusals, which name the
successor, are worded once the rows are read, in two queries however many rows they are.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from exchange.workbook.results import (
    FORMULA_MESSAGE,
    MAX_ERRORS_KEPT,
    Formula,
    RowChange,
    RowError,
    SheetRows,
    row_error,
)
from exchange.workbook.sheets import ACTUALS
from indicators import closures
from indicators.breakdowns import allowed_breakdowns, breakdown_error
from indicators.models import Indicator, PeriodKind
from indicators.poverty_standards import Standards
from indicators.resources import DEFAULT_IMPORT_STATUS, IMPORT_STATUSES, PERIOD_NUMBERS, period_error
from indicators.services import validate_figure
from plans.models import AdministrativeUnit
from plans.resources import MAP_COLUMN
from plans.text import parse_number
from review.models import ReviewStatus

COL_INDICATOR, COL_UNIT, COL_MAP = "Mã chỉ số", "Mã địa bàn", MAP_COLUMN
COL_YEAR, COL_KIND, COL_NUMBER = "Năm", "Kỳ", "Số kỳ"
COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR, COL_STATUS = "Giá trị", "Tử số", "Mẫu số", "Trạng thái"
COL_STANDARD, COL_BREAKDOWN = "Chuẩn nghèo", "Nhóm phân tổ"  # optional: blank when the sheet has no such column
COLUMN_OF = {"value": COL_VALUE, "numerator": COL_NUMERATOR, "denominator": COL_DENOMINATOR, "year": COL_YEAR}

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_MAGNITUDE = Decimal(10) ** 12  # numeric(16, 4)
PROGRESS_EVERY = 20_000


def _labels(choices) -> dict[str, str]:
    labels = {}
    for value, label in choices.choices:
        labels[str(label).lower()] = value
        labels[str(value).lower()] = value
    return labels


KINDS = {**_labels(PeriodKind), "cả năm": PeriodKind.YEAR, "": PeriodKind.YEAR}
STATUSES = {key: value for key, value in _labels(ReviewStatus).items() if value in IMPORT_STATUSES}
STATUSES[""] = DEFAULT_IMPORT_STATUS


@dataclass
class BulkResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    wrong: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    changes: list[RowChange] = field(default_factory=list)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(row_error(ACTUALS, row, column, message))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def whole_cell(value) -> int | None:
    """A whole-number cell (a year, a period number); ValueError says in Vietnamese why not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
    if not text:
        return None
    if text.isdecimal() and len(text) < 10:  # isdigit() would let "²" through to int()
        return int(text)
    raise ValueError(_("“%(text)s” không phải là số nguyên (ví dụ 2025).") % {"text": text})


def decimal_cell(value) -> Decimal | None:
    """A figure cell, as typed ("2,41", "1.500.000") or as a number; ValueError says why not."""
    if value is None:
        return None
    if value.__class__ is str:
        text = value.strip()
        if not text:
            return None
        if text.isdecimal():
            number = Decimal(text)
        else:
            whole, comma, fraction = text.partition(",")
            # "2,41": the usual shape, read without the regular expression; else parse_number
            number = Decimal(f"{whole}.{fraction}") if comma and whole.isdecimal() and fraction.isdecimal() else parse_number(text)
    elif isinstance(value, bool):
        raise ValueError(_("“%(value)s” không phải là số.") % {"value": value})
    elif isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        raise ValueError(_("“%(value)s” không phải là số.") % {"value": value})
    if not number.is_finite():  # a NaN or infinite cell of a crafted workbook
        raise ValueError(_("“%(value)s” không phải là số.") % {"value": value})
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError(_("“%(value)s” quá lớn (tối đa 12 chữ số phần nguyên).") % {"value": value})
    if number.as_tuple().exponent < -4:
        raise ValueError(_("“%(value)s” có quá 4 chữ số thập phân.") % {"value": value})
    return number


@dataclass(frozen=True)
class ClosedUnit:
    """A problem whose message is worded later: the unit closed before the end of the period."""

    unit_id: int
    period: closures.Period


# A checked row, ready to stage: (row, indicator id, unit id, period kind, year, period number,
# value, numerator, denominator, status, standard, breakdown).
Staged = tuple[int, int, int, str, int, int, Decimal | None, Decimal | None, Decimal | None, str, str, str]


class RowChecker:
    """Checks one row at a time against the catalogue and the map, read once; remembers the keys
    seen so that a second row of the same figure is refused."""

    def __init__(self, headers: list[str], result: BulkResult):
        index = {header: i for i, header in enumerate(headers)}
        self.columns = [index[c] for c in (
            COL_INDICATOR, COL_UNIT, COL_MAP, COL_YEAR, COL_KIND, COL_NUMBER,
            COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR, COL_STATUS,
        )]
        self.optional = [index.get(COL_STANDARD), index.get(COL_BREAKDOWN)]
        self.headers = headers
        self.result = result
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.standards = Standards()
        self.in_force: dict[int, str] = {}
        self.breakdowns = allowed_breakdowns(i.pk for i in self.indicators.values())
        self.units = {
            (code, admin_map): pk for code, admin_map, pk in AdministrativeUnit.objects.values_list("code", "admin_map", "pk")
        }
        self.seen: dict[tuple, int] = {}
        self.last_days = closures.last_days()
        self.period_ends: dict[tuple[int, str, int], date] = {}
        self.closed_rows: list[tuple[RowError, ClosedUnit]] = []

    def check(self, row_number: int, values: list) -> Staged | None:
        if Formula in map(type, values):
            return self._fail(row_number, [
                (self.headers[i], FORMULA_MESSAGE.format(formula=cell)) for i, cell in enumerate(values) if type(cell) is Formula
            ])
        c_ind, c_unit, c_map, c_year, c_kind, c_number, c_value, c_num, c_den, c_status = self.columns
        # The common case first, inline (a million rows): text cells that are exactly right.
        code, unit_code, admin_map, year, kind, number, value, numerator, denominator, status = (
            values[c_ind], values[c_unit], values[c_map], values[c_year], values[c_kind], values[c_number],
            values[c_value], values[c_num], values[c_den], values[c_status],
        )
        indicator = self.indicators.get(code)
        unit_id = self.units.get((unit_code, admin_map))
        if (
            indicator is not None and unit_id is not None and year.__class__ is str and year.isdecimal()
            and len(year) == 4 and FIRST_YEAR <= (year := int(year)) <= LAST_YEAR and kind.__class__ is str
            and (kind := KINDS.get(kind.lower())) is not None and number.__class__ is str
            and (number := int(number) if number.isdecimal() and len(number) < 10 else 0 if number == "" else None) is not None
            and status.__class__ is str and (status := STATUSES.get(status.lower())) is not None
            and number in PERIOD_NUMBERS[kind]
        ):
            try:
                figures = (decimal_cell(value), decimal_cell(numerator), decimal_cell(denominator))
            except (ValueError, InvalidOperation):
                return self._check_slowly(row_number, values)
            try:
                validate_figure(indicator=indicator, value=figures[0], numerator=figures[1], denominator=figures[2],
                                with_fraction=True)
            except ValidationError:
                return self._check_slowly(row_number, values)
            if unit_id in self.last_days and (closed := self._closed(unit_id, year, kind, number)):
                return self._fail(row_number, [(COL_YEAR, closed)])
            standard_cell, breakdown = self._optional_cells(values)
            if standard_cell or indicator.depends_on_standard:
                try:
                    standard = self._standard(indicator, year, standard_cell)
                except ValueError:
                    return self._check_slowly(row_number, values)
            else:
                standard = ""
            if breakdown and breakdown not in self.breakdowns.get(indicator.pk, ()):
                return self._check_slowly(row_number, values)
            return self._stage(row_number, indicator, unit_id, kind, year, number, figures, status, standard, breakdown)
        return self._check_slowly(row_number, values)

    def _optional_cells(self, values: list) -> tuple[str, str]:
        c_standard, c_breakdown = self.optional
        return (_text(values[c_standard]) if c_standard is not None else "",
                _text(values[c_breakdown]) if c_breakdown is not None else "")

    def _standard(self, indicator, year: int | None, cell: str) -> str:
        """The row's standard (indicators.poverty_standards); ValueError says why not."""
        if not cell and indicator.depends_on_standard and year is not None:
            if year not in self.in_force:
                self.in_force[year] = self.standards.in_force(year)
            return self.in_force[year]
        return self.standards.resolve(
            depends_on_standard=indicator.depends_on_standard, indicator_code=indicator.code, year=year, code=cell
        )

    def _stage(self, row_number, indicator, unit_id, kind, year, number, figures, status, standard="", breakdown="") -> Staged | None:
        key = (indicator.pk, unit_id, kind, year, number, standard, breakdown)
        first = self.seen.setdefault(key, row_number)
        if first != row_number:
            return self._fail(row_number, [(COL_INDICATOR, _("Trùng chỉ số, địa bàn và kỳ với dòng %(row)s.") % {"row": first})])
        return (row_number, indicator.pk, unit_id, kind, year, number, *figures, status, standard, breakdown)

    def _check_slowly(self, row_number: int, values: list) -> Staged | None:
        """Every cell, any type, with a message for each problem."""
        problems: list[tuple[str, str]] = []
        c_ind, c_unit, c_map, c_year, c_kind, c_number, c_value, c_num, c_den, c_status = self.columns

        code = _text(values[c_ind])
        indicator = self.indicators.get(code)
        if indicator is None:
            problems.append((COL_INDICATOR, _("Không có chỉ số mã “%(code)s” (xem sheet chỉ số).") % {"code": code}
                             if code else _("Không được để trống.")))
        unit_code, admin_map = _text(values[c_unit]), _text(values[c_map])
        unit_id = self.units.get((unit_code, admin_map))
        if unit_id is None:
            map_label = _("bản đồ %(provinces)s tỉnh") % {"provinces": admin_map} if admin_map else _("cả nước/vùng")
            problems.append((COL_UNIT, _("Không có địa bàn mã “%(code)s” (%(map)s).") % {"code": unit_code, "map": map_label}
                             if unit_code else _("Không được để trống.")))
        try:
            year = whole_cell(values[c_year])
            if year is None:
                problems.append((COL_YEAR, _("Không được để trống.")))
            elif not FIRST_YEAR <= year <= LAST_YEAR:
                problems.append((COL_YEAR, _("Năm %(year)s nằm ngoài khoảng %(first)s–%(last)s.") % {
                    "year": year, "first": FIRST_YEAR, "last": LAST_YEAR}))
        except ValueError as error:
            year = None
            problems.append((COL_YEAR, str(error)))
        kind = KINDS.get(_text(values[c_kind]).lower())
        if kind is None:
            allowed = ", ".join(f"“{label}”" for _value, label in PeriodKind.choices)
            problems.append((COL_KIND, _("“%(value)s” không có trong danh mục; dùng một trong: %(allowed)s.") % {
                "value": _text(values[c_kind]), "allowed": allowed}))
        try:
            number = whole_cell(values[c_number]) or 0
        except ValueError as error:
            number = None
            problems.append((COL_NUMBER, str(error)))
        if kind is not None and number is not None:
            message = period_error(kind, number)
            if message:
                problems.append((COL_NUMBER, message))
            elif unit_id in self.last_days and year is not None and FIRST_YEAR <= year <= LAST_YEAR:
                closed = self._closed(unit_id, year, kind, number)
                if closed:
                    problems.append((COL_YEAR, closed))
        figures = []
        for column, position in ((COL_VALUE, c_value), (COL_NUMERATOR, c_num), (COL_DENOMINATOR, c_den)):
            try:
                figures.append(decimal_cell(values[position]))
            except (ValueError, InvalidOperation) as error:
                figures.append(None)
                problems.append((column, str(error)))
        status = STATUSES.get(_text(values[c_status]).lower())
        if status is None:
            allowed = ", ".join(f"“{ReviewStatus(s).label}”" for s in IMPORT_STATUSES)
            problems.append((COL_STATUS, _("“%(value)s” không hợp lệ; dùng %(allowed)s (để trống: Đã duyệt).") % {
                "value": _text(values[c_status]), "allowed": allowed}))
        standard_cell, breakdown = self._optional_cells(values)
        standard = ""
        if indicator is not None:
            try:
                standard = self._standard(indicator, year, standard_cell)
            except ValueError as error:
                problems.append((COL_STANDARD, str(error)))
            if breakdown and breakdown not in self.breakdowns.get(indicator.pk, ()):
                problems.append((COL_BREAKDOWN, breakdown_error(
                    indicator=indicator, breakdown=breakdown, allowed=self.breakdowns.get(indicator.pk, set())
                )))
        if problems:
            return self._fail(row_number, problems)

        value, numerator, denominator = figures
        try:
            validate_figure(indicator=indicator, value=value, numerator=numerator, denominator=denominator,
                            with_fraction=True)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.extend((COLUMN_OF.get(name, COL_VALUE), message) for message in messages)
            return self._fail(row_number, problems)
        return self._stage(row_number, indicator, unit_id, kind, year, number, tuple(figures), status, standard, breakdown)

    def _closed(self, unit_id: int, year: int, kind: str, number: int) -> ClosedUnit | None:
        """The refusal to word when the unit closed before the end of the period (no query)."""
        key = (year, kind, number)
        end = self.period_ends.get(key)
        if end is None:
            end = self.period_ends[key] = closures.Period(year, kind, number).end
        return ClosedUnit(unit_id, closures.Period(year, kind, number)) if end > self.last_days[unit_id] else None

    def _fail(self, row_number: int, problems: list[tuple[str, str | ClosedUnit]]) -> None:
        self.result.wrong += 1
        for column, message in problems:
            if isinstance(message, ClosedUnit):
                kept = len(self.result.errors)
                self.result.add_error(row_number, column, "")
                if len(self.result.errors) > kept:
                    self.closed_rows.append((self.result.errors[-1], message))
            else:
                self.result.add_error(row_number, column, message)
        return None

    def finish(self) -> None:
        """Word the refusals of closed units' rows (two queries for all of them); call once the rows
        are read, not while they stream into a COPY."""
        messages = closures.refusals({(closed.unit_id, closed.period) for _error, closed in self.closed_rows})
        for error, closed in self.closed_rows:
            error.message = f"{error.column}: {messages[(closed.unit_id, closed.period)]}"
        self.closed_rows = []


def checked_rows(sheet: SheetRows, checker: RowChecker, progress: Callable[[int], None] | None) -> Iterator[Staged]:
    """The sheet's rows that pass, staged; `progress` is told the count every PROGRESS_EVERY rows."""
    count = 0
    for row_number, values in sheet.open_rows():
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
        staged = checker.check(row_number, values)
        if staged is not None:
            yield staged
    if progress:
        progress(count)
