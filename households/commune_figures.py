"""A commune's register figures, brought up to date when one of its reviews is saved.

`services.recompute_register` rebuilds a year's figures for the whole country: seconds on the
demo, minutes on a national register; too slow to run on every save. After reviews of one
commune change, only that commune and the legacy communes its households count in change: they
are counted again from their reviews, and the difference is added to every unit above them
(district, province, region, nation), so each unit's figures still add up to its units' below.
It costs a few queries whatever the size of the register, and runs in the saving transaction;
the register's actuals of those units and their dashboard rows follow.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from households import services
from households.models import Household, HouseholdReview, LivingClass, RegisterStat
from households.recompute import CLASS_FIELD, COUNT_FIELDS, MOVEMENT_FIELD, REORGANISATION_YEAR, tally_groups
from households.register_actuals import COUNT_INDICATORS, RATE_INDICATORS, register_standards
from households.register_coverage import Tree, closed_units, units_fed
from households.standards import standard_for
from indicators.models import Actual, ActualSource, Indicator, PeriodKind
from plans.models import AdministrativeUnit, UnitLevel
from review.models import ReviewStatus

MADE_FROM_THE_REGISTER = (ActualSource.REGISTER, ActualSource.SYNTHETIC)  # what a recompute may overwrite


@dataclass
class Figures:
    """A unit's figures, or the change to add to them."""

    counts: dict[str, int]
    deprived_poor: dict[str, int]
    deprived_near_poor: dict[str, int]
    transitions: dict[str, int]

    @classmethod
    def empty(cls) -> "Figures":
        return cls(dict.fromkeys(COUNT_FIELDS, 0), {}, {}, {})

    @classmethod
    def of(cls, stat: RegisterStat | None) -> "Figures":
        if stat is None:
            return cls.empty()
        return cls({name: getattr(stat, name) for name in COUNT_FIELDS}, dict(stat.deprived_poor),
                   dict(stat.deprived_near_poor), dict(stat.transitions))

    def add(self, other: "Figures", sign: int = 1) -> None:
        for name, value in other.counts.items():
            self.counts[name] += sign * value
        for mine, theirs in ((self.deprived_poor, other.deprived_poor), (self.deprived_near_poor, other.deprived_near_poor),
                             (self.transitions, other.transitions)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + sign * value

    def is_zero(self) -> bool:
        return not any(self.counts.values()) and not any(
            v for d in (self.deprived_poor, self.deprived_near_poor, self.transitions) for v in d.values()
        )


def _counted(commune: AdministrativeUnit, legacy_ids: set[int], year: int, codes_by_bit: dict[int, str]) -> dict[int, Figures]:
    """The figures of the commune (key +id) and of the legacy communes (key −id), from their reviews."""
    figures: dict[int, Figures] = {commune.pk: Figures.empty(), **{-pk: Figures.empty() for pk in legacy_ids}}
    rows = tally_groups(year, list(codes_by_bit)).filter(
        Q(household__commune=commune) | Q(household__legacy_commune__in=legacy_ids)
    )
    for row in rows:
        n = row["n"]
        group = Figures.empty()
        group.counts.update(total=n, merit_poor=row["merit_poor"], ethnic_minority_poor=row["ethnic_poor"],
                            synthetic=row["synthetic"])
        group.counts[CLASS_FIELD[row["living_class"]]] = n
        if row["movement"]:
            group.counts[MOVEMENT_FIELD[row["movement"]]] = n
        if row["living_class"] in (LivingClass.POOR, LivingClass.NEAR_POOR):
            target = group.deprived_poor if row["living_class"] == LivingClass.POOR else group.deprived_near_poor
            for bit, code in codes_by_bit.items():
                target[code] = row[f"b{bit}"] or 0
        group.transitions[f"{row['previous_class']}>{row['living_class']}"] = n
        if row["household__commune_id"] == commune.pk:
            figures[commune.pk].add(group)
        if row["household__legacy_commune_id"] in legacy_ids:
            figures[-row["household__legacy_commune_id"]].add(group)
    return figures


@transaction.atomic
def save_review_and_refresh(*, user, household: Household, year: int, **values) -> HouseholdReview:
    """services.save_review, then the figures of the household's commune, in one transaction."""
    review = services.save_review(user=user, household=household, year=year, **values)
    refresh_commune(commune=review.household.commune, year=year)
    return review


def _units_above(unit_ids: set[int]) -> Tree:
    """id -> (parent id, level, map, region id) for these units and every unit above them (a query a level)."""
    known: Tree = {}
    wanted = set(unit_ids)
    while wanted:
        for pk, *row in AdministrativeUnit.objects.filter(pk__in=wanted).values_list(
            "pk", "parent_id", "level", "admin_map", "region_id"
        ):
            known[pk] = tuple(row)
        wanted = {parent for parent, *_rest in known.values() if parent is not None} - known.keys()
    return known


def refresh_commune(*, commune: AdministrativeUnit, year: int) -> list[int]:
    """Bring the year's figures of `commune` (and of every unit they count in) up to date with its
    reviews. Call inside the saving transaction. Returns the ids of the units whose figures changed."""
    standard = standard_for(year)
    codes_by_bit = dict(standard.indicators.order_by("position").values_list("bit", "code"))
    legacy_ids = set(
        Household.objects.filter(commune=commune, legacy_commune__isnull=False)
        .values_list("legacy_commune_id", flat=True).distinct()
    )
    counted = _counted(commune, legacy_ids, year, codes_by_bit)
    stored = {s.unit_id: s for s in RegisterStat.objects.filter(year=year, unit_id__in=[abs(k) for k in counted])}
    changes: dict[int, Figures] = {}
    for key, figures in counted.items():
        change = Figures(dict(figures.counts), dict(figures.deprived_poor), dict(figures.deprived_near_poor),
                         dict(figures.transitions))
        change.add(Figures.of(stored.get(abs(key))), sign=-1)
        if not change.is_zero():
            changes[key] = change
    if not changes:
        return []
    units = _units_above({abs(key) for key in changes})
    nation_id = AdministrativeUnit.objects.filter(level=UnitLevel.NATION).values_list("pk", flat=True).first()
    current_map = year >= REORGANISATION_YEAR
    totals: dict[int, Figures] = {}
    for key, change in changes.items():
        for unit_id in units_fed(key, units, nation_id, current_map):
            totals.setdefault(unit_id, Figures.empty()).add(change)
    _write_stats(year, standard, totals)
    _write_actuals(year, sorted(totals))
    return sorted(totals)


def _write_stats(year: int, standard, totals: dict[int, Figures]) -> None:
    # Rows locked in one order: saves in two communes of a province take turns on its row.
    stats = {s.unit_id: s for s in RegisterStat.objects.select_for_update().filter(year=year, unit_id__in=totals).order_by("unit_id")}
    now = timezone.now()
    for unit_id, change in sorted(totals.items()):
        figures = Figures.of(stats.get(unit_id))
        figures.add(change)
        if figures.counts["total"] <= 0:
            RegisterStat.objects.filter(year=year, unit_id=unit_id).delete()
            continue
        stat = stats.get(unit_id) or RegisterStat(unit_id=unit_id, year=year)
        for name, value in figures.counts.items():
            setattr(stat, name, value)
        stat.deprived_poor, stat.deprived_near_poor = figures.deprived_poor, figures.deprived_near_poor
        stat.transitions = {key: value for key, value in figures.transitions.items() if value}
        stat.standard, stat.computed_at = standard, now
        stat.save()


def _write_actuals(year: int, unit_ids: list[int]) -> None:
    """The register's actuals of these units from their figures, as services.recompute_register
    writes them: figures people entered or imported are left alone, illustrative ones replaced.
    A figure counting synthetic households is only updated where the full recompute wrote one (it
    found the unit covered whole: households.register_coverage), never created here. A unit closed
    before the year's end keeps its RegisterStat but gets no figure (as in the full recompute)."""
    stamped = register_standards(standard_for(year).code)  # {code: (indicator id, its figures' standard)}
    indicators = {code: pk for code, (pk, _) in stamped.items()}
    standard_of = dict(stamped.values())
    closed = closed_units(year, unit_ids)
    stats = {s.unit_id: s for s in RegisterStat.objects.filter(year=year, unit_id__in=unit_ids) if s.unit_id not in closed}
    existing = {
        (a.indicator_id, a.unit_id): a
        for a in Actual.objects.filter(year=year, period_kind=PeriodKind.YEAR, period_number=0, unit_id__in=unit_ids,
                                       indicator_id__in=indicators.values(), breakdown="")
        if a.standard in (standard_of[a.indicator_id], "")  # one under another standard is another figure
    }
    now = timezone.now()
    for unit_id in unit_ids:
        stat = stats.get(unit_id)
        for code, indicator_id in indicators.items():
            actual = existing.get((indicator_id, unit_id))
            made_here = actual is not None and actual.source in MADE_FROM_THE_REGISTER
            if actual is not None and not made_here and actual.source != ActualSource.ILLUSTRATIVE:
                continue  # entered or imported by people
            if stat is None:
                if made_here:
                    actual.delete()  # its dashboard row follows (indicators.models signals)
                continue
            if stat.synthetic and not made_here:
                continue
            if code in RATE_INDICATORS:
                wanted = (None, getattr(stat, RATE_INDICATORS[code]), stat.total)
            else:
                wanted = (getattr(stat, COUNT_INDICATORS[code]), None, None)
            source = ActualSource.SYNTHETIC if stat.synthetic else ActualSource.REGISTER
            if made_here and (actual.value, actual.numerator, actual.denominator, actual.source) == (*wanted, source):
                continue
            if actual is None or not made_here:  # new, or an illustrative figure the register's replaces
                actual = actual or Actual(indicator_id=indicator_id, unit_id=unit_id, year=year,
                                          period_kind=PeriodKind.YEAR, period_number=0, created_at=now,
                                          standard=standard_of[indicator_id])
                actual.version, actual.is_late_correction, actual.correction_reason = 1, False, ""
                actual.review_comment, actual.submitted_at = "", None
            actual.value, actual.numerator, actual.denominator = wanted
            actual.standard = standard_of[indicator_id]
            actual.source, actual.status, actual.reviewed_at, actual.updated_at = source, ReviewStatus.APPROVED, now, now
            actual.save()  # its dashboard row follows (indicators.models signals)
