"""The register's figures as indicator actuals: which indicators, under which standard, and the upsert.

households.recompute adds a year's reviews up per unit; this module turns those counts into
indicators.Actual rows (source REGISTER, or SYNTHETIC where synthetic households entered the
figure), keeping figures people entered and replacing illustrative ones. On PostgreSQL the rows go
in through COPY into a temporary table and one INSERT ... ON CONFLICT DO UPDATE.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from common.pg_copy import copy_rows
from indicators.models import Actual, ActualSource, Indicator, PeriodKind
from review.models import ReviewStatus

# Register indicators: code -> how its actual is made from a unit's figures.
RATE_INDICATORS = {"GN01": "poor", "GN02": "near_poor"}  # numerator field / total
COUNT_INDICATORS = {
    "GN03": "poor", "GN06": "merit_poor", "HN01": "total", "HN02": "near_poor",
    "HN03": "escaped", "HN04": "new_poor", "HN05": "fallen_back",
}
REGISTER_INDICATORS = (*RATE_INDICATORS, *COUNT_INDICATORS)

REGISTER_SOURCES = (ActualSource.REGISTER, ActualSource.SYNTHETIC)
# An upsert overwrites these; the review fields reset what an illustrative figure it replaces carried.
ACTUAL_UPDATE_FIELDS = (
    "value", "numerator", "denominator", "source", "status", "reviewed_at", "updated_at",
    "version", "is_late_correction", "correction_reason", "review_comment", "submitted_at",
)


@dataclass
class ActualsWritten:
    """What writing a year's register actuals did."""

    actuals_created: int = 0
    actuals_updated: int = 0
    actuals_unchanged: int = 0
    actuals_deleted: int = 0
    actuals_kept: int = 0  # figures people entered for the same unit and year: never overwritten
    actuals_replaced: int = 0  # illustrative figures of the same unit and year: the register's win


def register_standards(standard: str) -> dict[str, tuple[int, str]]:
    """{code: (indicator id, the standard its register figures are stamped with)} of the register's
    indicators: the year's standard for those that depend on it, "" for the others."""
    rows = Indicator.objects.filter(code__in=REGISTER_INDICATORS).values_list("code", "pk", "depends_on_standard")
    return {code: (pk, standard if depends else "") for code, pk, depends in rows}


def write_actuals(year: int, figures: dict[int, dict[str, int]], now, result: ActualsWritten, *, standard: str) -> None:
    """The register's actuals of the year: source SYNTHETIC where synthetic households entered the
    figure, REGISTER otherwise, under the year's poverty standard (for the indicators that depend on
    it). Figures people entered or imported for the same unit and year are kept; illustrative ones
    are replaced (one figure per indicator, unit and year, the register's); figures under another
    standard are other figures, left alone."""
    stamped = register_standards(standard)
    indicators = {code: pk for code, (pk, _standard) in stamped.items()}
    standard_of = dict(stamped.values())  # indicator id -> standard
    missing = set(REGISTER_INDICATORS) - set(indicators)
    if missing:
        raise ValidationError(
            _("Thiếu chỉ số trong danh mục: %(codes)s (chạy load_cascade và migrate).") % {"codes": ", ".join(sorted(missing))}
        )
    wanted: dict[tuple[int, int], tuple] = {}
    for unit_id, counts in figures.items():
        total = counts["total"]
        if not total:
            continue
        source = ActualSource.SYNTHETIC if counts["synthetic"] else ActualSource.REGISTER
        for code, name in RATE_INDICATORS.items():
            wanted[(indicators[code], unit_id)] = (None, Decimal(counts[name]), Decimal(total), source)
        for code, name in COUNT_INDICATORS.items():
            wanted[(indicators[code], unit_id)] = (Decimal(counts[name]), None, None, source)
    existing = Actual.objects.filter(
        year=year, period_kind=PeriodKind.YEAR, period_number=0, indicator_id__in=indicators.values(), breakdown="",
        standard__in={standard, ""},
    ).values_list("pk", "indicator_id", "unit_id", "source", "value", "numerator", "denominator", "standard")
    stale, writes = [], []
    seen = set()
    for pk, indicator_id, unit_id, source, value, numerator, denominator, figure_standard in existing.iterator(chunk_size=10000):
        key = (indicator_id, unit_id)
        if figure_standard != standard_of[indicator_id]:
            # Written before figures had a standard: the register's and illustrative ones are
            # rewritten under it; one people entered stands for the year's standard and is kept.
            if source in REGISTER_SOURCES or source == ActualSource.ILLUSTRATIVE:
                stale.append(pk)
                continue
        if source == ActualSource.ILLUSTRATIVE:
            if key in wanted:
                seen.add(key)
                writes.append(key)
                result.actuals_replaced += 1
            continue
        if source not in REGISTER_SOURCES:
            if key in wanted:
                result.actuals_kept += 1
            seen.add(key)
            continue
        if key not in wanted:
            stale.append(pk)
            continue
        seen.add(key)
        if (value, numerator, denominator, source) == wanted[key]:
            result.actuals_unchanged += 1
        else:
            writes.append(key)
            result.actuals_updated += 1
    new = [key for key in wanted if key not in seen]
    result.actuals_created = len(new)
    for start in range(0, len(stale), 5000):
        Actual.objects.filter(pk__in=stale[start:start + 5000]).delete()
    result.actuals_deleted = len(stale)
    rows = [
        {
            "indicator_id": indicator_id, "unit_id": unit_id, "year": year, "period_kind": PeriodKind.YEAR,
            "period_number": 0, "standard": standard_of[indicator_id], "value": wanted[(indicator_id, unit_id)][0],
            "numerator": wanted[(indicator_id, unit_id)][1], "denominator": wanted[(indicator_id, unit_id)][2],
            "source": wanted[(indicator_id, unit_id)][3], "status": ReviewStatus.APPROVED, "reviewed_at": now,
            "created_at": now, "updated_at": now,
        }
        for indicator_id, unit_id in [*new, *writes]
    ]
    if connection.vendor == "postgresql":
        _copy_upsert_actuals(rows)
    else:
        Actual.objects.bulk_create(
            [Actual(**row) for row in rows], batch_size=500, update_conflicts=True,
            unique_fields=["indicator", "unit", "period_kind", "year", "period_number", "standard", "breakdown"],
            update_fields=list(ACTUAL_UPDATE_FIELDS),
        )


def _copy_upsert_actuals(rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of many actuals through COPY (PostgreSQL): seconds, not minutes.

    Columns the register does not set take the model field's default, so that fields added to
    Actual later keep working.
    """
    if not rows:
        return
    fields = [f for f in Actual._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: (None if f.null and not f.has_default() else f.get_default()) for f in fields}
    columns = [f.column for f in fields]
    table = Actual._meta.db_table
    column_list = ", ".join(columns)
    updates = ", ".join(f"{Actual._meta.get_field(name).column} = EXCLUDED.{Actual._meta.get_field(name).column}"
                        for name in ACTUAL_UPDATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE register_actual ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA")
        copy_rows(cursor, table="register_actual", columns=columns,
                  rows=([row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows))
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM register_actual "
            f"ON CONFLICT (indicator_id, unit_id, period_kind, year, period_number, standard, breakdown) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE register_actual")
