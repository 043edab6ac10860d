"""Keeps `YearlyValue`, the table of approved yearly figures that dashboards read.

One row per indicator, unit, year, poverty standard and breakdown (`standard`, `breakdown`; ""
for none / the whole). Figures of two standards are two rows, neither a correction of the other,
and roll-ups add up figures of one standard and one breakdown only. Of an indicator, unit and
year's rows, the headline (`is_headline`, what `YearlyValue.objects` reads) is the whole under the
standard in force that year, else under the only (or latest) standard there is a figure under;
a breakdown row is never headline. Each row is:
- a unit's own figure: its approved value, and beside it a submitted one awaiting review. While a
  late correction awaits review (or was returned), the row keeps the value last approved, taken
  from the audit trail, so that dashboards go on counting only approved values;
- where a unit has no figure of its own, its units below added up (sum of counts; rate from the
  summed numerators and denominators) when every one of them has an approved figure: districts
  from their communes, provinces from their districts or communes, and the regions and the nation
  from the provinces of the map in force at the end of the year (the 63 provinces up to 2024, the
  34 from 2025), or of the other map when that one is incomplete. Partial sums are never stored.

`refresh_for` runs after each figure saved one by one (a signal in indicators.models);
`refresh_yearly_values` rebuilds everything, or some indicators or years, after bulk writes
(`manage.py refresh_yearly_values`, the illustrative data command). Bulk steps are plain
INSERT ... SELECT statements that run on PostgreSQL and SQLite alike.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from households.models import PovertyStandard
from indicators.models import Actual, ActualSource, Aggregation, Indicator, PeriodKind, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from review.models import AuditEntry, ReviewStatus

COMBINABLE = (Aggregation.SUM, Aggregation.RATIO)
RATE_DECIMALS = 4


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(column: str, values: Iterable[int] | None, params: list) -> str:
    """ " AND column IN (%s, ...)" for a filter that is set; nothing when it is None."""
    if values is None:
        return ""
    values = list(values)
    if not values:
        return " AND 1 = 0"
    params.extend(values)
    return f" AND {column} IN ({', '.join(['%s'] * len(values))})"


def _own_figures(indicator_ids=None, years=None, unit_ids=None) -> None:
    """Rows of the units' own yearly figures: approved ones as values, submitted ones as pending."""
    # 100.0, not 100: SQLite keeps whole numbers as integers and would divide them as integers.
    effective = f"COALESCE(a.value, ROUND(a.numerator * 100.0 / a.denominator, {RATE_DECIMALS}))"
    approved, submitted = ReviewStatus.APPROVED, ReviewStatus.SUBMITTED
    params: list = [approved, approved, approved, submitted, False, 0, ActualSource.ILLUSTRATIVE,
                    ActualSource.SYNTHETIC, "", PeriodKind.YEAR, approved, submitted]
    where = "a.period_kind = %s AND a.status IN (%s, %s)"
    where += _in("a.indicator_id", indicator_ids, params) + _in("a.year", years, params) + _in("a.unit_id", unit_ids, params)
    sql = f"""
        INSERT INTO {_table(YearlyValue)} (indicator_id, unit_id, year, value, numerator, denominator,
            pending_value, is_computed, children_count, is_late_correction, is_illustrative, is_synthetic,
            standard, breakdown, is_headline, actual_id)
        SELECT a.indicator_id, a.unit_id, a.year,
            CASE WHEN a.status = %s THEN {effective} END,
            CASE WHEN a.status = %s THEN a.numerator END,
            CASE WHEN a.status = %s THEN a.denominator END,
            CASE WHEN a.status = %s THEN {effective} END,
            %s, %s, a.is_late_correction, a.source = %s, a.source = %s,
            a.standard, a.breakdown, a.breakdown = %s, a.id
        FROM {_table(Actual)} a
        WHERE {where}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _restore_approved(indicator_ids=None, years=None, unit_ids=None) -> None:
    """Late corrections not (yet) approved: keep the value last approved, from the audit trail."""
    corrections = Actual.objects.filter(period_kind=PeriodKind.YEAR, is_late_correction=True).exclude(
        status=ReviewStatus.APPROVED
    )
    if indicator_ids is not None:
        corrections = corrections.filter(indicator_id__in=indicator_ids)
    if years is not None:
        corrections = corrections.filter(year__in=years)
    if unit_ids is not None:
        corrections = corrections.filter(unit_id__in=unit_ids)
    corrections = list(corrections)
    if not corrections:
        return
    approvals = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Actual),
            object_id__in=[a.pk for a in corrections],
            action="approve",
        )
        .order_by("object_id", "at", "id")
        .values_list("object_id", "after")
    )
    last_approved = {object_id: after for object_id, after in approvals}  # the latest wins
    rows = {
        row.actual_id: row
        for row in YearlyValue.every.filter(actual_id__in=[a.pk for a in corrections])
    }
    for actual in corrections:
        after = last_approved.get(actual.pk)
        if not after:
            continue
        approved = Actual(
            value=_decimal(after.get("value")),
            numerator=_decimal(after.get("numerator")),
            denominator=_decimal(after.get("denominator")),
        )
        row = rows.get(actual.pk) or YearlyValue(
            indicator_id=actual.indicator_id, unit_id=actual.unit_id, year=actual.year, actual=actual,
            standard=actual.standard, breakdown=actual.breakdown, is_headline=actual.breakdown == "",
            is_late_correction=True, is_illustrative=actual.source == ActualSource.ILLUSTRATIVE,
            is_synthetic=actual.source == ActualSource.SYNTHETIC,
        )
        row.value, row.numerator, row.denominator = approved.effective_value, approved.numerator, approved.denominator
        if row.value is not None:
            row.save()


def _decimal(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(str(text))


def _roll_up_to(parent_level: int, indicator_ids=None, years=None, parent_ids=None) -> None:
    """Rows of units of `parent_level` without a figure of their own, from their units below
    (illustrative, or synthetic, when any unit added up is)."""
    yv, unit, indicator = _table(YearlyValue), _table(AdministrativeUnit), _table(Indicator)
    params: list = [Aggregation.RATIO] * 3 + [True, False, 1, 1, ""]
    where = "yv.value IS NOT NULL AND p.level = %s AND c.level > p.level AND i.aggregation IN (%s, %s)"
    params += [parent_level, *COMBINABLE]
    where += _in("yv.indicator_id", indicator_ids, params) + _in("yv.year", years, params)
    where += _in("c.parent_id", parent_ids, params)
    params += [Aggregation.RATIO]
    sql = f"""
        INSERT INTO {yv} (indicator_id, unit_id, year, value, numerator, denominator,
            pending_value, is_computed, children_count, is_late_correction, is_illustrative, is_synthetic,
            actual_id, standard, breakdown, is_headline)
        SELECT yv.indicator_id, c.parent_id, yv.year,
            CASE WHEN i.aggregation = %s THEN ROUND(SUM(yv.numerator) * 100.0 / SUM(yv.denominator), {RATE_DECIMALS})
                 ELSE SUM(yv.value) END,
            CASE WHEN i.aggregation = %s THEN SUM(yv.numerator) END,
            CASE WHEN i.aggregation = %s THEN SUM(yv.denominator) END,
            NULL, %s, COUNT(*), %s, MAX(CASE WHEN yv.is_illustrative THEN 1 ELSE 0 END) = %s,
            MAX(CASE WHEN yv.is_synthetic THEN 1 ELSE 0 END) = %s, NULL,
            yv.standard, yv.breakdown, yv.breakdown = %s
        FROM {yv} yv
        JOIN {unit} c ON c.id = yv.unit_id
        JOIN {unit} p ON p.id = c.parent_id
        JOIN {indicator} i ON i.id = yv.indicator_id
        WHERE {where}
          AND NOT EXISTS (SELECT 1 FROM {yv} o
                          WHERE o.indicator_id = yv.indicator_id AND o.unit_id = c.parent_id AND o.year = yv.year
                            AND o.standard = yv.standard AND o.breakdown = yv.breakdown)
        GROUP BY yv.indicator_id, c.parent_id, yv.year, yv.standard, yv.breakdown, i.aggregation
        HAVING COUNT(*) = (SELECT COUNT(*) FROM {unit} k WHERE k.parent_id = c.parent_id)
           AND (i.aggregation <> %s OR COUNT(yv.denominator) = COUNT(*))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _analyze() -> None:
    """After a bulk insert PostgreSQL's planner still believes the table empty: tell it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(YearlyValue)}")


def _map_in_force(year: int, legacy_until: date | None) -> str:
    """The map whose provinces existed at the end of `year`."""
    if legacy_until is not None and date(year, 12, 31) <= legacy_until:
        return AdminMap.LEGACY
    return AdminMap.CURRENT


def _roll_up_statistical(indicator_ids=None, years=None) -> list[int]:
    """The regions' and the nation's rows, from the provinces of one map (never both); returns the
    regions' and the nation's ids."""
    units = list(
        AdministrativeUnit.objects.filter(level__lte=UnitLevel.PROVINCE).values_list(
            "pk", "level", "admin_map", "region_id", "valid_to"
        )
    )
    statistical_ids = [pk for pk, level, *_ in units if level <= UnitLevel.REGION]
    nation_id = next((pk for pk, level, *_ in units if level == UnitLevel.NATION), None)
    expected: dict[tuple[str, int | None], int] = defaultdict(int)  # (map, region or None) -> provinces
    legacy_until = None
    for _pk, level, admin_map, region_id, valid_to in units:
        if level == UnitLevel.PROVINCE:
            expected[(admin_map, region_id)] += 1
            expected[(admin_map, None)] += 1
            if admin_map == AdminMap.LEGACY and valid_to and (legacy_until is None or valid_to > legacy_until):
                legacy_until = valid_to

    def narrowed(queryset):
        if indicator_ids is not None:
            queryset = queryset.filter(indicator_id__in=indicator_ids)
        if years is not None:
            queryset = queryset.filter(year__in=years)
        return queryset

    narrowed(YearlyValue.every.filter(unit_id__in=statistical_ids, is_computed=True)).delete()
    # Their headline flags are set afresh by the caller (_mark_headlines).
    own = set(narrowed(YearlyValue.every.filter(unit_id__in=statistical_ids)).values_list(
        "indicator_id", "unit_id", "year", "standard", "breakdown"))
    groups = narrowed(YearlyValue.every.filter(
        unit__level=UnitLevel.PROVINCE, value__isnull=False, indicator__aggregation__in=COMBINABLE
    )).values("indicator_id", "indicator__aggregation", "year", "standard", "breakdown", "unit__admin_map",
              "unit__region_id").annotate(
        n=Count("id"),
        fractions=Count("denominator"),
        total=Sum("value"),
        numerator_sum=Sum("numerator"),
        denominator_sum=Sum("denominator"),
        illustrative=Count("id", filter=Q(is_illustrative=True)),
        synthetic=Count("id", filter=Q(is_synthetic=True)),
    )
    # (indicator, year, standard, breakdown, map, region or None for the nation) -> summed figures
    sums: dict[tuple, dict] = {}
    for g in groups:
        for region in (g["unit__region_id"], None):
            key = (g["indicator_id"], g["year"], g["standard"], g["breakdown"], g["unit__admin_map"], region)
            s = sums.setdefault(key, {"aggregation": g["indicator__aggregation"], "n": 0, "fractions": 0,
                                      "total": Decimal(0), "num": Decimal(0), "den": Decimal(0), "illustrative": 0,
                                      "synthetic": 0})
            s["n"] += g["n"]
            s["fractions"] += g["fractions"]
            s["total"] += g["total"] or 0
            s["num"] += g["numerator_sum"] or 0
            s["den"] += g["denominator_sum"] or 0
            s["illustrative"] += g["illustrative"]
            s["synthetic"] += g["synthetic"]

    rows = []
    wanted = {(i, y, standard, breakdown, region) for (i, y, standard, breakdown, _map, region) in sums}
    for indicator_id, year, standard, breakdown, region in sorted(wanted, key=lambda t: (*t[:4], t[4] or 0)):
        unit_id = region if region is not None else nation_id
        if unit_id is None or (indicator_id, unit_id, year, standard, breakdown) in own:
            continue
        preferred = _map_in_force(year, legacy_until)
        other = AdminMap.CURRENT if preferred == AdminMap.LEGACY else AdminMap.LEGACY
        for admin_map in (preferred, other):
            s = sums.get((indicator_id, year, standard, breakdown, admin_map, region))
            if not s or s["n"] != expected.get((admin_map, region), -1):
                continue
            if s["aggregation"] == Aggregation.RATIO:
                if s["fractions"] != s["n"] or not s["den"]:
                    continue
                value = (s["num"] * 100 / s["den"]).quantize(Decimal(1).scaleb(-RATE_DECIMALS))
                numerator, denominator = s["num"], s["den"]
            else:
                value, numerator, denominator = s["total"], None, None
            rows.append(
                YearlyValue(
                    indicator_id=indicator_id, unit_id=unit_id, year=year, value=value, numerator=numerator,
                    standard=standard, breakdown=breakdown, is_headline=breakdown == "",
                    denominator=denominator, is_computed=True, children_count=s["n"],
                    is_illustrative=s["illustrative"] > 0, is_synthetic=s["synthetic"] > 0,
                )
            )
            break
    YearlyValue.every.bulk_create(rows, batch_size=2000)
    return statistical_ids


@transaction.atomic
def refresh_yearly_values(*, indicator_ids: Iterable[int] | None = None, years: Iterable[int] | None = None) -> int:
    """Rebuild the table, or the rows of some indicators and years. Returns the number of rows."""
    indicator_ids = None if indicator_ids is None else list(indicator_ids)
    years = None if years is None else list(years)
    rows = YearlyValue.every.all()
    if indicator_ids is not None:
        rows = rows.filter(indicator_id__in=indicator_ids)
    if years is not None:
        rows = rows.filter(year__in=years)
    rows.delete()
    _own_figures(indicator_ids, years)
    _analyze()
    _restore_approved(indicator_ids, years)
    _roll_up_to(UnitLevel.DISTRICT, indicator_ids, years)
    _roll_up_to(UnitLevel.PROVINCE, indicator_ids, years)
    _roll_up_statistical(indicator_ids, years)
    _mark_headlines(indicator_ids, years, contested_only=True)
    return rows.count()


@transaction.atomic
def refresh_for(*, indicator_id: int, unit_id: int, year: int) -> None:
    """After one figure changed: its row, then the rows above it that add it up.

    Saves of the same indicator and year add up into the same region and nation rows, so they
    take turns (a lock held to the end of the saving transaction): concurrently, they deadlocked
    on those rows, or each added up the units without the other's new figure. Roll-ups add up
    approved values only, so a save that leaves the unit's approved value as it was (a draft, a
    submission, a return) stops at the unit's own row.
    """
    own = YearlyValue.every.filter(indicator_id=indicator_id, unit_id=unit_id, year=year, is_computed=False)
    counted = Actual.objects.filter(indicator_id=indicator_id, unit_id=unit_id, year=year, period_kind=PeriodKind.YEAR).filter(
        Q(status__in=[ReviewStatus.APPROVED, ReviewStatus.SUBMITTED]) | Q(is_late_correction=True)
    )
    if not own.exists() and not counted.exists():
        return  # a draft, never counted before: no dashboard row changes
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [indicator_id * 10_000 + year])
    rows = YearlyValue.every.filter(indicator_id=indicator_id, unit_id=unit_id, year=year)
    before = _added_up(rows)
    rows.delete()
    _own_figures([indicator_id], [year], [unit_id])
    _restore_approved([indicator_id], [year], [unit_id])
    touched = [unit_id]
    if _added_up(rows) != before:
        touched += _roll_up_above(indicator_id, unit_id, year)
    _mark_headlines([indicator_id], [year], unit_ids=touched)


@transaction.atomic
def refresh_subtrees(*, indicator_ids: Iterable[int], years: Iterable[int], unit_ids: Iterable[int]) -> int:
    """Rebuild the rows of these units, whole subtrees (every unit below one of them is among them),
    and the rows above them that add them up, for some indicators and years: what a bulk removal of
    one province's figures needs, in seconds rather than a national rebuild. Returns the rows of the units,
    those above them and the regions' and the nation's."""
    indicator_ids, years, unit_ids = list(indicator_ids), list(years), set(unit_ids)
    if not (indicator_ids and years and unit_ids):
        return 0
    above: set[int] = set()
    frontier = unit_ids
    for _ in range(2):  # a commune's district and province
        frontier = set(AdministrativeUnit.objects.filter(
            pk__in=AdministrativeUnit.objects.filter(pk__in=frontier).values("parent_id"),
            level__in=(UnitLevel.DISTRICT, UnitLevel.PROVINCE),
        ).values_list("pk", flat=True)) - unit_ids
        above |= frontier
    rows = YearlyValue.every.filter(indicator_id__in=indicator_ids, year__in=years)
    rows.filter(unit_id__in=unit_ids)._raw_delete(rows.db)
    rows.filter(unit_id__in=above, is_computed=True)._raw_delete(rows.db)
    _own_figures(indicator_ids, years, sorted(unit_ids))
    _restore_approved(indicator_ids, years, sorted(unit_ids))
    scope = unit_ids | above
    levels = dict(AdministrativeUnit.objects.filter(pk__in=scope, level__in=(UnitLevel.DISTRICT, UnitLevel.PROVINCE))
                  .values_list("pk", "level"))
    for level in (UnitLevel.DISTRICT, UnitLevel.PROVINCE):
        parents = sorted(pk for pk, unit_level in levels.items() if unit_level == level)
        if parents:
            _roll_up_to(level, indicator_ids, years, parents)
    statistical = _roll_up_statistical(indicator_ids, years)
    _mark_headlines(indicator_ids, years, unit_ids=sorted(scope | set(statistical)))
    return rows.filter(unit_id__in=scope | set(statistical)).count()


def _added_up(rows) -> list[tuple]:
    """What the roll-ups read of a unit's rows: their approved figures, by standard and breakdown."""
    return sorted(rows.filter(value__isnull=False).values_list(
        "standard", "breakdown", "value", "numerator", "denominator", "is_illustrative", "is_synthetic"
    ))


def _mark_headlines(indicator_ids=None, years=None, unit_ids=None, *, contested_only: bool = False) -> None:
    """Set `is_headline` of the rows in scope: of each indicator, unit and year's whole rows, the one
    under the standard in force that year, else the one of the latest standard; never a breakdown.

    After a rebuild every row was inserted as headline when whole: only rows with a rival under
    another standard are looked at (`contested_only`). After one figure, the touched units' rows
    are set afresh, since a rival may have gone.
    """
    yv, standard = _table(YearlyValue), _table(PovertyStandard)

    def rank(alias: str) -> str:
        """In force that year first, then the later standard."""
        return (f"COALESCE((SELECT CASE WHEN s.first_year <= {alias}.year AND s.last_year >= {alias}.year "
                f"THEN 10000 ELSE 0 END + s.first_year FROM {standard} s WHERE s.code = {alias}.standard), 0)")

    beaten = (
        f"EXISTS (SELECT 1 FROM {yv} o WHERE o.indicator_id = {yv}.indicator_id AND o.unit_id = {yv}.unit_id "
        f"AND o.year = {yv}.year AND o.breakdown = '' AND o.standard <> {yv}.standard "
        f"AND ({rank('o')} > {rank(yv)} OR ({rank('o')} = {rank(yv)} AND o.standard > {yv}.standard)))"
    )
    params: list = []
    scope = _in("indicator_id", indicator_ids, params) + _in("year", years, params) + _in("unit_id", unit_ids, params)
    where = "1 = 1" + scope
    if contested_only:  # one grouping pass, not a probe per row: a rebuild has a million rows
        params += params
        where += (f" AND breakdown = '' AND (indicator_id, unit_id, year) IN (SELECT indicator_id, unit_id, year "
                  f"FROM {yv} WHERE breakdown = ''{scope} GROUP BY indicator_id, unit_id, year HAVING COUNT(*) > 1)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {yv} SET is_headline = (breakdown = '' AND NOT {beaten}) WHERE {where}", params
        )


def _roll_up_above(indicator_id: int, unit_id: int, year: int) -> list[int]:
    """The rows above the unit that add it up; returns the units whose rows were rebuilt."""
    unit = AdministrativeUnit.objects.select_related("parent__parent").get(pk=unit_id)
    chain = [u for u in (unit, unit.parent, unit.parent.parent if unit.parent else None) if u is not None]
    touched = []
    for node in sorted((u for u in chain if u.level in (UnitLevel.DISTRICT, UnitLevel.PROVINCE)), key=lambda u: -u.level):
        YearlyValue.every.filter(indicator_id=indicator_id, unit_id=node.pk, year=year, is_computed=True).delete()
        _roll_up_to(node.level, [indicator_id], [year], [node.pk])
        touched.append(node.pk)
    return touched + _roll_up_statistical([indicator_id], [year])
