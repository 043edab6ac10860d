"""Aggregate review results as a first-class input: a province's table of per-unit counts.

A table is read (households.aggregate_resources), checked row by row into a preview (the page keeps
it in the session), then written all or nothing with an ImportRecord of the imports' history: the
AggregateReview rows, and the register indicators' yearly figures (rates as numerator / denominator,
counts as values) as imported Actuals under the table's standard and breakdown, then one rebuild of
the yearly table. A unit whose households are
kept here is refused: its figures are computed from the register, never overwritten.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.models import ImportRecord, ImportStatus
from households.aggregate_models import COUNT_FIELDS, AggregateReview
from households.models import PovertyStandard, RegisterStat
from households.register_actuals import ACTUAL_UPDATE_FIELDS, register_standards
from indicators.breakdowns import allowed_breakdowns
from indicators.models import Actual, ActualSource, DimensionOption, PeriodKind
from indicators.rollups import refresh_yearly_values
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, UnitLevel
from plans.text import search_key
from review.models import ReviewStatus

RATE_FIELDS = ("poor_rate", "near_poor_rate")
# Register indicators an aggregate row feeds: code -> (count field, published rate field) for the
# rates, code -> count field for the counts (households.register_actuals.RATE_INDICATORS / COUNT_INDICATORS).
RATES = {"GN01": ("poor_end", "poor_rate"), "GN02": ("near_poor_end", "near_poor_rate")}
COUNTS = {"GN03": "poor_end", "HN01": "total", "HN02": "near_poor_end", "HN03": "escaped", "HN04": "new_poor",
          "HN05": "fallen_back"}
# Words a unit's name may start with in a table, dropped before matching names within the province,
# and the levels they name (to tell "Huyện Cái Bè" from "Thị trấn Cái Bè").
NAME_PREFIXES = {
    "tinh ": {UnitLevel.PROVINCE}, "thanh pho ": {UnitLevel.PROVINCE, UnitLevel.DISTRICT},
    "tp. ": {UnitLevel.PROVINCE, UnitLevel.DISTRICT}, "tp ": {UnitLevel.PROVINCE, UnitLevel.DISTRICT},
    "thi xa ": {UnitLevel.DISTRICT}, "tx. ": {UnitLevel.DISTRICT}, "tx ": {UnitLevel.DISTRICT},
    "huyen ": {UnitLevel.DISTRICT}, "quan ": {UnitLevel.DISTRICT}, "thi tran ": {UnitLevel.COMMUNE},
    "phuong ": {UnitLevel.COMMUNE}, "xa ": {UnitLevel.COMMUNE},
}
PROVINCE_WORDS = {"toan tinh", "tong cong", "tong so", "tong", "cong", "toan thanh pho"}


@dataclass
class TableRow:
    """One unit and breakdown of the table, as read: `line` is its line in the file."""

    line: int
    unit_code: str = ""
    unit_name: str = ""
    breakdown: str = ""
    values: dict = field(default_factory=dict)  # field -> int | Decimal | None


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)  # ready to write (JSON: the preview)
    errors: list[dict] = field(default_factory=list)  # {"row": line, "message": ...}

    def error(self, line: int, message: str) -> None:
        self.errors.append({"row": line, "message": message})


def name_key(name: str) -> tuple[str, set | None]:
    """The name without its level word, and the levels that word names (None: no such word)."""
    key = search_key(name)
    for prefix, levels in NAME_PREFIXES.items():
        if key.startswith(prefix):
            return key[len(prefix):].strip(), levels
    return key, None


def _units(rows: list[TableRow], *, admin_map: str, province: AdministrativeUnit | None, checked: Checked):
    """line -> unit, by code on the year's map or by name within the province (errors otherwise)."""
    codes = {row.unit_code for row in rows if row.unit_code}
    by_code = {
        unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=codes, admin_map=admin_map)
        .select_related("parent__parent__parent")
    }
    by_name: dict[str, list[AdministrativeUnit]] = {}
    if province is not None:
        subtree = AdministrativeUnit.objects.filter(
            Q(pk=province.pk) | Q(parent=province) | Q(parent__parent=province)
        ).select_related("parent__parent__parent")
        for unit in subtree:
            by_name.setdefault(name_key(unit.name)[0], []).append(unit)
    found = {}
    for row in rows:
        if row.unit_code:
            unit = by_code.get(row.unit_code)
            if unit is None:
                checked.error(row.line, _("Không có địa bàn mã %(code)s trên bản đồ %(map)s.")
                              % {"code": row.unit_code, "map": admin_map})
            found[row.line] = unit
            continue
        if not row.unit_name:
            checked.error(row.line, _("Thiếu mã địa bàn hoặc tên địa bàn."))
            continue
        if province is None:
            checked.error(row.line, _("Dòng chỉ ghi tên địa bàn: hãy chọn tỉnh để tìm theo tên, hoặc ghi mã địa bàn."))
            continue
        key, levels = name_key(row.unit_name)
        matches = [province] if key in PROVINCE_WORDS else by_name.get(key, [])
        if len(matches) > 1 and levels:
            matches = [unit for unit in matches if unit.level in levels]
        if len(matches) == 1:
            found[row.line] = matches[0]
        elif matches:
            checked.error(row.line, _("Tên “%(name)s” khớp nhiều địa bàn của %(province)s: hãy ghi mã địa bàn.")
                          % {"name": row.unit_name, "province": province.name})
        else:
            checked.error(row.line, _("Không tìm thấy địa bàn “%(name)s” trong %(province)s.")
                          % {"name": row.unit_name, "province": province.name})
    return found


def _breakdown(value: str, options: dict[str, str]) -> str | None:
    """An option's code from its code or name ("Thành thị"); "" for the whole; None if unknown."""
    if not value or search_key(value) in {"tong so", "chung", "toan bo"}:
        return ""
    return options.get(search_key(value))


def _row_errors(values: dict) -> list[str]:
    """What a row's own figures break (the database constraints, said in Vietnamese first)."""
    errors = []
    for name in COUNT_FIELDS:
        value = values.get(name)
        if value is not None and value < 0:
            errors.append(_("“%(column)s” không được âm (%(value)s).") % {"column": COLUMN_LABELS[name], "value": value})
    for name in RATE_FIELDS:
        value = values.get(name)
        if value is not None and not 0 <= value <= 100:
            errors.append(_("“%(column)s” phải từ 0 đến 100 (%(value)s).") % {"column": COLUMN_LABELS[name], "value": value})
    total = values.get("total")
    if total is not None:
        for name in ("poor_start", "near_poor_start", "poor_end", "near_poor_end"):
            value = values.get(name)
            if value is not None and value > total:
                errors.append(_("“%(column)s” (%(value)s) lớn hơn tổng số hộ (%(total)s).")
                              % {"column": COLUMN_LABELS[name], "value": value, "total": total})
        poor, near = values.get("poor_end"), values.get("near_poor_end")
        if poor is not None and near is not None and poor <= total and near <= total and poor + near > total:
            errors.append(_("Hộ nghèo và hộ cận nghèo cuối kỳ (%(sum)s) nhiều hơn tổng số hộ (%(total)s).")
                          % {"sum": poor + near, "total": total})
    if all(values.get(name) is None for name in ("total", "poor_end", "poor_rate")):
        errors.append(_("Dòng không có tổng số hộ, số hộ nghèo cuối kỳ hay tỷ lệ hộ nghèo."))
    return errors


COLUMN_LABELS = {
    "total": "Tổng số hộ", "poor_start": "Số hộ nghèo đầu kỳ", "near_poor_start": "Số hộ cận nghèo đầu kỳ",
    "escaped": "Thoát nghèo", "fallen_back": "Tái nghèo", "new_poor": "Nghèo phát sinh",
    "poor_end": "Số hộ nghèo cuối kỳ", "near_poor_end": "Số hộ cận nghèo cuối kỳ",
    "escaped_near_poor": "Thoát cận nghèo", "new_near_poor": "Cận nghèo phát sinh",
    "poor_rate": "Tỷ lệ hộ nghèo", "near_poor_rate": "Tỷ lệ hộ cận nghèo",
}


def kept_registers(unit_ids, year: int) -> dict[int, int]:
    """{unit id: real households} of the units whose register is kept here for the year."""
    return dict(
        RegisterStat.objects.filter(unit_id__in=list(unit_ids), year=year).exclude(total=F("synthetic"))
        .annotate(real=F("total") - F("synthetic")).values_list("unit_id", "real")
    )


def check_table(
    rows: list[TableRow], *, user, year: int, standard: PovertyStandard, admin_map: str,
    province: AdministrativeUnit | None = None,
) -> Checked:
    """Every row checked (units, breakdowns, figures, rights, registers kept here): the preview."""
    checked = Checked()
    options = {}
    for code, name in DimensionOption.objects.values_list("code", "name"):
        options[search_key(code)] = code
        options[search_key(name)] = code
    units = _units(rows, admin_map=admin_map, province=province, checked=checked)
    kept = kept_registers({unit.pk for unit in units.values() if unit}, year)
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        unit = units.get(row.line)
        breakdown = _breakdown(row.breakdown, options)
        if breakdown is None:
            checked.error(row.line, _("Không có nhóm phân tổ “%(value)s”.") % {"value": row.breakdown})
        for message in _row_errors(row.values):
            checked.error(row.line, message)
        if unit is None or breakdown is None:
            continue
        if not (access.can(user, Action.IMPORT, unit=unit) or access.can(user, Action.ENTER, unit=unit)):
            checked.error(row.line, _("Bạn không có quyền nhập số liệu của %(unit)s.") % {"unit": unit.name})
        if unit.pk in kept:
            checked.error(row.line, _(
                "%(unit)s có sổ hộ quản lý trên hệ thống năm %(year)s (%(n)s hộ): số liệu của địa bàn được tính "
                "từ sổ hộ, không ghi đè bằng bảng tổng hợp."
            ) % {"unit": unit.name, "year": year, "n": kept[unit.pk]})
        if (unit.pk, breakdown) in seen:
            checked.error(row.line, _("%(unit)s (%(breakdown)s) đã có ở dòng %(line)s.")
                          % {"unit": unit.name, "breakdown": breakdown or _("tổng số"), "line": seen[(unit.pk, breakdown)]})
            continue
        seen[(unit.pk, breakdown)] = row.line
        checked.rows.append({
            "line": row.line, "unit_id": unit.pk, "unit_name": unit.name, "unit_code": unit.code,
            "breakdown": breakdown,
            **{name: row.values.get(name) for name in COUNT_FIELDS},
            **{name: None if row.values.get(name) is None else str(row.values[name]) for name in RATE_FIELDS},
        })
    checked.errors.sort(key=lambda e: e["row"])
    return checked


def preview(
    rows: list[TableRow], *, user, year: int, standard: PovertyStandard, admin_map: str,
    province: AdministrativeUnit | None = None, cell_errors: list[dict] = (),
) -> dict:
    """The checked table, JSON-able: the page keeps it in the session until it is confirmed."""
    checked = check_table(rows, user=user, year=year, standard=standard, admin_map=admin_map, province=province)
    if not rows:
        checked.error(1, _("Bảng không có dòng số liệu nào."))
    return {
        "year": year, "standard": standard.pk, "map": admin_map, "rows": checked.rows,
        "errors": sorted([*cell_errors, *checked.errors], key=lambda e: e["row"]),
    }


# The imports' history (exchange.workbook_views) lists the record under this name.
HISTORY_NAME = "Kết quả rà soát tổng hợp"


def _actuals(rows: list[dict], *, year: int, standard: PovertyStandard, user, record: ImportRecord, now) -> list[Actual]:
    """The register indicators' figures of the rows: rates as numerator / denominator where the total
    is given (the published rate otherwise), counts as values; a split only for indicators split that way."""
    stamped = register_standards(standard.code)  # code -> (indicator id, standard stamp)
    takes = allowed_breakdowns([pk for pk, _ in stamped.values()])
    out = []

    def add(code, row, **figure):
        if code not in stamped:
            return
        pk, stamp = stamped[code]
        if row["breakdown"] and row["breakdown"] not in takes.get(pk, ()):
            return  # the indicator is not split that way: the row stays on the register pages only
        out.append(Actual(
            indicator_id=pk, unit_id=row["unit_id"], year=year, period_kind=PeriodKind.YEAR, period_number=0,
            standard=stamp, breakdown=row["breakdown"], source=ActualSource.IMPORTED, import_record=record,
            status=ReviewStatus.APPROVED, reviewed_at=now, created_by=user, **figure,
        ))

    for row in rows:
        total = row["total"]
        for code, (count, rate) in RATES.items():
            if total and row[count] is not None:
                add(code, row, numerator=Decimal(row[count]), denominator=Decimal(total))
            elif row[rate] is not None:
                add(code, row, value=Decimal(row[rate]))
        for code, count in COUNTS.items():
            if row[count] is not None:
                add(code, row, value=Decimal(row[count]))
    return out


@transaction.atomic
def apply(*, table: dict, user, file_name: str, checksum: str, size: int, source: str = "") -> ImportRecord:
    """Write a previewed table, all or nothing, with its ImportRecord; checked again first (the
    database may have moved on since the preview)."""
    if table["errors"]:
        raise ValidationError(_("Bảng có lỗi: sửa tệp rồi tải lên lại."))
    year, standard = table["year"], PovertyStandard.objects.get(pk=table["standard"])
    rows = [
        TableRow(line=r["line"], unit_code=r["unit_code"], breakdown=r["breakdown"],
                 values={**{n: r[n] for n in COUNT_FIELDS}, **{n: None if r[n] is None else Decimal(r[n]) for n in RATE_FIELDS}})
        for r in table["rows"]
    ]
    checked = check_table(rows, user=user, year=year, standard=standard, admin_map=table["map"])
    if checked.errors:
        raise ValidationError([f"{_('Dòng')} {e['row']}: {e['message']}" for e in checked.errors])
    now = timezone.now()
    existing = AggregateReview.objects.filter(
        year=year, standard=standard, unit_id__in={r["unit_id"] for r in checked.rows}
    ).values_list("unit_id", "breakdown")
    changed = len(set(existing) & {(r["unit_id"], r["breakdown"]) for r in checked.rows})
    record = ImportRecord.objects.create(
        user=user, file_name=file_name, checksum=checksum, size=size, status=ImportStatus.APPLIED,
        rows_total=len(rows), rows_done=len(rows), checked_at=now, applied_at=now,
        counts={HISTORY_NAME: {"new": len(checked.rows) - changed, "changed": changed, "unchanged": 0, "wrong": 0}},
    )
    fields = [*COUNT_FIELDS, *RATE_FIELDS]
    AggregateReview.objects.bulk_create(
        [
            AggregateReview(
                unit_id=r["unit_id"], year=year, standard=standard, breakdown=r["breakdown"], source=source,
                import_record=record, **{n: r[n] for n in COUNT_FIELDS},
                **{n: None if r[n] is None else Decimal(r[n]) for n in RATE_FIELDS},
            )
            for r in checked.rows
        ],
        update_conflicts=True, unique_fields=["unit", "year", "standard", "breakdown"],
        update_fields=[*fields, "source", "import_record", "updated_at"],
    )
    actuals = _actuals(checked.rows, year=year, standard=standard, user=user, record=record, now=now)
    Actual.objects.bulk_create(
        actuals, batch_size=500, update_conflicts=True,
        unique_fields=["indicator", "unit", "period_kind", "year", "period_number", "standard", "breakdown"],
        update_fields=[*ACTUAL_UPDATE_FIELDS, "import_record"],
    )
    refresh_yearly_values(indicator_ids={a.indicator_id for a in actuals}, years=[year])
    record.message = _("Đã ghi %(rows)s dòng kết quả rà soát tổng hợp, %(actuals)s số liệu chỉ số.") % {
        "rows": len(checked.rows), "actuals": len(actuals)}
    record.save(update_fields=["message", "updated_at"])
    return record


# ---------------------------------------------------------------------------------------------
# Reads for the register pages


@dataclass
class AggregateTable:
    rows: list[AggregateReview]  # the unit's own of the year: the whole first, then its breakdowns
    children: list[AggregateReview]  # the units below (whole rows)
    years: list[int]  # the years the unit has a table for

    def __bool__(self) -> bool:
        return bool(self.rows or self.children)


def visible_aggregates(user):
    return access.scope(user, AggregateReview.objects.all(), unit_path="unit")


def aggregate_table(user, unit: AdministrativeUnit, year: int, children_q: Q) -> AggregateTable:
    """The unit's aggregate review rows (every year, for the year list; the year's whole and splits) and
    its units' below of the year, in one query (one more for the options' names when split)."""
    found = list(
        visible_aggregates(user).filter(Q(unit=unit) | (Q(year=year, breakdown="") & children_q))
        .select_related("unit", "standard").order_by("unit__name", "breakdown")
    )
    own_years = {r.year for r in found if r.unit_id == unit.pk}
    own = [r for r in found if r.unit_id == unit.pk and r.year == year]
    children = [r for r in found if r.unit_id != unit.pk]
    options = list(DimensionOption.objects.filter(code__in={r.breakdown for r in own if r.breakdown}).order_by(
        "dimension__position", "dimension__code", "position")) if any(r.breakdown for r in own) else []
    order = {option.code: i for i, option in enumerate(options)}
    names = {option.code: option.name for option in options}
    own.sort(key=lambda r: (r.breakdown != "", order.get(r.breakdown, len(order)), r.breakdown))
    for row in own:
        row.label = names.get(row.breakdown, row.breakdown) if row.breakdown else _("Tổng số")
    return AggregateTable(rows=own, children=children, years=sorted(own_years))
