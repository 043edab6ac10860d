"""Demo data that steps aside: remove illustrative and synthetic figures, set-based, in seconds.

Illustrative figures (source ILLUSTRATIVE, indicators.illustrative) and the synthetic register
(households.synthetic: households, reviews, RegisterStat rows and the SYNTHETIC figures computed
from them) fill the demo. Before real figures are judged they go, for chosen units (each with its
whole subtree on both maps: a province of today's map takes the former provinces merged into it)
and years, or all of them.

Every delete is one statement whatever the number of rows; the per-figure signal that keeps the
yearly table in step (indicators.signals) never fires, and the yearly values of the indicators and
years touched are rebuilt once at the end, for the chosen subtrees and the rows adding them up
(indicators.rollups.refresh_subtrees; refresh_yearly_values when everything goes). Evidence
files of removed figures go with them; the audit trail is kept (it is never deleted) and one entry
records the removal.

A real figure entered or imported over an illustrative or synthetic one replaces it as a new
figure (`replace_with_real`), not as a late correction of it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, HouseholdAccessLog, HouseholdReview, RegisterStat
from indicators import rollups
from indicators.models import Actual, ActualSource, PeriodKind
from plans.access import predecessor_unit_ids
from plans.models import AdministrativeUnit, UnitLevel
from review import workflow
from review.models import AuditEntry, Evidence, ReviewStatus

DEMO_SOURCES = (ActualSource.ILLUSTRATIVE, ActualSource.SYNTHETIC)
REPLACE_ACTION = "replace_demo"
REPLACE_REASON = "Thay số liệu minh họa"
REMOVE_ACTION = "remove_demo"
# How far below a unit its subtree goes: province → district → commune (plans.access does the same).
SUBTREE_DEPTH = 3


@dataclass
class RemovalResult:
    illustrative: int = 0
    synthetic: int = 0
    evidence: int = 0
    households: int = 0
    reviews: int = 0
    register_stats: int = 0
    yearly_values: int = 0
    units: int = 0  # units in the chosen subtrees; 0 for everything
    years: list[int] = field(default_factory=list)  # years touched
    dry_run: bool = False

    @property
    def figures(self) -> int:
        return self.illustrative + self.synthetic


class UnitNotFound(ValueError):
    pass


def parse_unit(reference: str) -> AdministrativeUnit:
    """"CODE@MAP" (92@34, 93@63) or a code of its own ("VN", a region's code)."""
    code, _at, admin_map = reference.strip().partition("@")
    units = AdministrativeUnit.objects.filter(code=code.strip())
    if admin_map:
        units = units.filter(admin_map=admin_map.strip())
    found = list(units[:2])
    if len(found) != 1:
        raise UnitNotFound(
            _("Không tìm thấy địa bàn “%(reference)s” (ghi MÃ@BẢN_ĐỒ, ví dụ 92@34 hoặc 93@63).")
            % {"reference": reference} if not found
            else _("Mã “%(reference)s” có trên cả hai bản đồ: ghi thêm @34 hoặc @63.") % {"reference": reference}
        )
    return found[0]


def subtree_ids(units: Iterable[AdministrativeUnit]) -> set[int] | None:
    """The ids of the units and everything below them on both maps; None for the nation (all)."""
    units = list(units)
    if any(unit.level == UnitLevel.NATION for unit in units):
        return None
    roots = {unit.pk for unit in units}
    regions = [unit.pk for unit in units if unit.level == UnitLevel.REGION]
    if regions:
        roots |= set(AdministrativeUnit.objects.filter(region_id__in=regions).values_list("pk", flat=True))
    roots = predecessor_unit_ids(roots)
    below = Q(pk__in=roots)
    hop = "parent"
    for _depth in range(SUBTREE_DEPTH):
        below |= Q(**{f"{hop}__in": roots})
        hop = f"{hop}__parent"
    return set(AdministrativeUnit.objects.filter(below).values_list("pk", flat=True))


def _figures(source: str, unit_ids: set[int] | None, years: list[int] | None):
    rows = Actual.objects.filter(source=source)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    if years:
        rows = rows.filter(year__in=years)
    return rows


def _touched(rows) -> set[tuple[int, int]]:
    return set(rows.filter(period_kind=PeriodKind.YEAR).values_list("indicator_id", "year").order_by().distinct())


def remove_demo_data(*, units: Iterable[AdministrativeUnit] = (), years: Iterable[int] | None = None,
                     illustrative: bool = True, synthetic: bool = False, user=None, dry_run: bool = False) -> RemovalResult:
    """Remove the demo's figures of `units` (all units when none) and `years` (all when None).

    `illustrative`: figures of source ILLUSTRATIVE. `synthetic`: synthetic households of the units'
    communes (real households stay) with their reviews, the register's RegisterStat rows and the
    SYNTHETIC figures. Returns the counts; with `dry_run` only counts, nothing is written.
    """
    units = list(units)
    years = sorted(set(years)) if years else None
    unit_ids = subtree_ids(units) if units else None
    result = RemovalResult(units=len(unit_ids) if unit_ids is not None else 0, dry_run=dry_run)
    with transaction.atomic():
        touched: set[tuple[int, int]] = set()
        register_years: set[int] = set()
        sources = [s for s, chosen in ((ActualSource.ILLUSTRATIVE, illustrative), (ActualSource.SYNTHETIC, synthetic)) if chosen]
        if synthetic:
            register_years = _remove_households(unit_ids, years, result, dry_run=dry_run)
        for source in sources:
            rows = _figures(source, unit_ids, years)
            touched |= _touched(rows)
            evidence = Evidence.objects.filter(actual__in=rows)
            files = [name for name in evidence.values_list("file", flat=True) if name]
            result.evidence += len(files) if dry_run else evidence._raw_delete(evidence.db)
            # Raw deletes: no per-row signal, no collector. The yearly rows pointing at these figures
            # are rebuilt below in the same transaction (the foreign key is checked at commit).
            count = rows.count() if dry_run else rows._raw_delete(rows.db)
            setattr(result, "illustrative" if source == ActualSource.ILLUSTRATIVE else "synthetic", count)
            if files and not dry_run:
                transaction.on_commit(lambda files=files: _delete_files(files))
        if dry_run:
            result.years = sorted({year for _, year in touched} | register_years)
            return result
        if synthetic and register_years:
            result.register_stats = _refresh_register(register_years, unit_ids)
        if touched:  # one rebuild: the chosen subtrees and the rows adding them up, or everything
            indicator_ids, touched_years = {indicator for indicator, _ in touched}, {year for _, year in touched}
            if unit_ids is None:
                result.yearly_values = rollups.refresh_yearly_values(indicator_ids=indicator_ids, years=touched_years)
            else:
                result.yearly_values = rollups.refresh_subtrees(indicator_ids=indicator_ids, years=touched_years,
                                                                unit_ids=unit_ids)
        result.years = sorted({year for _, year in touched} | register_years)
        if result.figures or result.households:
            _audit(user, units, years, result)
    return result


def _remove_households(unit_ids: set[int] | None, years: list[int] | None, result: RemovalResult, *, dry_run: bool) -> set[int]:
    """Synthetic households of the communes in `unit_ids` (on either map) and their reviews of `years`."""
    households = Household.objects.filter(is_synthetic=True)
    if unit_ids is not None:
        households = households.filter(Q(commune_id__in=unit_ids) | Q(legacy_commune_id__in=unit_ids))
    reviews = HouseholdReview.objects.filter(household__in=households.values("pk"))
    if years:
        reviews = reviews.filter(year__in=years)
    register_years = set(reviews.values_list("year", flat=True).order_by().distinct())
    if dry_run:
        result.reviews = reviews.count()
        result.households = households.count() if not years else households.exclude(
            pk__in=HouseholdReview.objects.exclude(year__in=years).values("household_id")).count()
        return register_years
    result.reviews = reviews._raw_delete(reviews.db)
    if years:  # households keep their other years' reviews; those left with none go
        households = households.exclude(pk__in=HouseholdReview.objects.values("household_id"))
    HouseholdAccessLog.objects.filter(household__in=households.values("pk")).update(household=None)
    result.households = households._raw_delete(households.db)
    return register_years


def _refresh_register(register_years: set[int], unit_ids: set[int] | None) -> int:
    """The register's figures of the years whose reviews went: recomputed from the households left,
    or, for a year with none left, its RegisterStat rows removed. Returns the rows removed."""
    from households.recompute import recompute_register  # households.recompute imports the roll-ups too

    removed = 0
    left = set(HouseholdReview.objects.filter(year__in=register_years).values_list("year", flat=True).order_by().distinct())
    for year in sorted(register_years):
        stats = RegisterStat.objects.filter(year=year)
        if year in left:
            if unit_ids is not None:
                removed += stats.filter(unit_id__in=unit_ids).count()
            recompute_register(year=year)
        else:
            removed += stats._raw_delete(stats.db)
    return removed


def _delete_files(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # a file already gone is no reason to fail the removal
            pass


def _audit(user, units, years, result: RemovalResult) -> None:
    where = ", ".join(f"{u.code}@{u.admin_map}" if u.admin_map else u.code for u in units) or "tất cả"
    when = f"{years[0]}–{years[-1]}" if years else "mọi năm"
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Actual), object_id=0, action=REMOVE_ACTION,
        object_repr=f"Số liệu minh họa/giả lập: {where}, {when}"[:300],
        user=user if user is not None and user.is_authenticated else None,
        before=None, after={"illustrative": result.illustrative, "synthetic": result.synthetic,
                            "households": result.households, "reviews": result.reviews, "evidence": result.evidence},
        reason="Xóa số liệu minh họa/giả lập",
    )


def replace_with_real(*, user, actual: Actual, source: str, expected_version: int, value, numerator, denominator) -> Actual:
    """A real figure over an illustrative or synthetic one: a new figure, not a late correction of it.

    Same row (dashboards and links keep pointing at it), the content of a new one: a draft of
    version 1 by `user`, no correction flag or reason, no review. Call inside save_actual's
    transaction, the row locked."""
    workflow.check_version(actual, expected_version)
    before = workflow.snapshot(actual)
    actual.value, actual.numerator, actual.denominator = value, numerator, denominator
    actual.source, actual.status, actual.version = source, ReviewStatus.DRAFT, 1
    actual.is_late_correction, actual.correction_reason, actual.review_comment = False, "", ""
    actual.submitted_at = actual.reviewed_at = actual.reviewed_by = actual.import_record = None
    actual.created_by, actual.created_at = user, timezone.now()
    actual.full_clean()
    actual.save()
    workflow.record_audit(user=user, instance=actual, action=REPLACE_ACTION, before=before,
                          after=workflow.snapshot(actual), reason=REPLACE_REASON)
    return actual

