"""No change is computed across a break of the poverty standard.

A poverty rate under QĐ 59/2015 (2,75% in 2020) and one under NĐ 07/2021 (5,2% in 2021) measure
different things: the difference is no decrease or increase. Before a target is judged
(indicators.dashboards.judge, no query), its figures are prepared here:

- `series`: the figures a target is judged on. A target that states its standard (`Target.standard`)
  or a breakdown is judged on the series under that standard / of that breakdown; other targets on
  the headline series (the whole, under the standard in force each year).
- `comparable`: for an average or relative change (or a multiple of a baseline) whose years would
  span two standards, only the years of one standard are used: the target's own, else the standard
  of the latest figure, with its figures of earlier years where there are any (the 2021 figure
  under NĐ 07/2021), so the baseline becomes that standard's first year. When that leaves too few
  figures (or the baseline year has none under it), the target is not judged: the explanation says
  "Không so sánh được qua hai chuẩn nghèo".
"""

import copy
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from indicators.models import TargetKind
from indicators.poverty_standards import display_name

CHANGE_KINDS = {TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE}


def _standard_applies(target) -> bool:
    return bool(target.standard) and target.indicator.depends_on_standard


def series(points: dict, target, unit_id: int) -> dict:
    """{year: Point} of the target's indicator and `unit_id` that the target is judged on."""
    if _standard_applies(target):
        return points.get((target.indicator_id, unit_id, target.standard, target.breakdown), {})
    if target.breakdown:
        return points.get((target.indicator_id, unit_id, None, target.breakdown), {})
    return points.get((target.indicator_id, unit_id), {})


@dataclass
class Comparable:
    shown: list  # the points as shown, `used` saying which the evaluation reads
    refusal: str = ""  # set: the target is not judged, for this reason
    note: str = ""  # added to the evaluation's explanation
    standards: list[str] = field(default_factory=list)
    target: object = None  # a copy to judge instead, without a baseline value of the other standard


def _baseline_year(target) -> int:
    return target.baseline_year or ((target.start_year or target.end_year) - 1)


def _window_start(target) -> int:
    if target.kind == TargetKind.AVERAGE_CHANGE:
        return (target.start_year or target.end_year) - 1
    return _baseline_year(target)


def _names(codes) -> str:
    return ", ".join(display_name(code) or _("không ghi chuẩn") for code in codes)


def comparable(target, points: dict, shown: list) -> Comparable:
    """The points a change target may be judged on without crossing a standard (see the module)."""
    if target.kind not in CHANGE_KINDS or target.indicator_id is None:
        return Comparable(shown)
    start, end = _window_start(target), target.end_year
    used = [p for p in shown if p.used and p.shown is not None and start <= p.year <= end]
    if not used:
        return Comparable(shown)
    if _standard_applies(target):
        return _own_standard(target, shown, used, start)
    codes = sorted({p.standard for p in used}, key=lambda code: min(p.year for p in used if p.standard == code))
    if len(codes) < 2:
        return Comparable(shown)
    latest = used[-1]
    chosen = latest.standard
    same = points.get((target.indicator_id, latest.unit_id, chosen, target.breakdown), {})
    kept = {p.year: p for p in used if p.standard == chosen}
    for year, point in same.items():  # the chosen standard's figures of years the headline gives to the other
        if start <= year <= end and year not in kept and point.shown is not None:
            kept[year] = replace(point, used=True, from_successor=latest.from_successor)
    new_shown = [replace(p, used=False) if p.used and p.standard != chosen and start <= p.year <= end else p
                 for p in shown]
    new_shown += [p for year, p in kept.items() if all(q is not p for q in shown)]
    new_shown.sort(key=lambda p: (p.year, p.used))  # the used one last: pages keep one point a year
    others = [code for code in codes if code != chosen]
    first = min(kept)
    judged = None
    if target.kind == TargetKind.AVERAGE_CHANGE:
        enough = len(kept) >= 2
        if target.baseline_value is not None and first > start:
            judged = copy.copy(target)  # the document's baseline value is of the earlier standard
            judged.baseline_value = None
    else:
        enough = _baseline_year(target) in kept
    if not enough:
        refusal = _("Không so sánh được qua hai chuẩn nghèo: năm %(first_year)s theo %(first_standard)s, "
                    "năm %(latest_year)s theo %(latest_standard)s") % {
            "first_year": used[0].year, "first_standard": _names([used[0].standard]),
            "latest_year": latest.year, "latest_standard": _names([chosen])}
        return Comparable(shown, refusal=refusal, standards=codes)
    note = _("; chỉ tính theo %(chosen)s từ năm %(first)s, không so sánh được qua hai chuẩn nghèo với số liệu "
             "theo %(others)s") % {"chosen": _names([chosen]), "first": first, "others": _names(others)}
    return Comparable(new_shown, note=note, standards=codes, target=judged)


def _own_standard(target, shown: list, used: list, start: int) -> Comparable:
    """A target on its own standard: the figures are all under it; say so when its first figure is
    later than the year the target counts from (the standard's own baseline)."""
    name = display_name(target.standard) or target.standard
    first = used[0].year
    if target.kind == TargetKind.AVERAGE_CHANGE:
        if first > start and target.baseline_value is None:
            note = _("; theo %(standard)s, năm gốc %(first)s") % {"standard": name, "first": first}
            return Comparable(shown, note=note, standards=[target.standard])
        return Comparable(shown, note=_("; theo %(standard)s") % {"standard": name}, standards=[target.standard])
    if target.baseline_value is None and first != _baseline_year(target):
        refusal = _("Chưa có giá trị gốc năm %(year)s theo %(standard)s (không so sánh được qua hai chuẩn nghèo: "
                    "năm gốc cần số liệu cùng chuẩn)") % {"year": _baseline_year(target), "standard": name}
        return Comparable(shown, refusal=refusal, standards=[target.standard])
    return Comparable(shown, note=_("; theo %(standard)s") % {"standard": name}, standards=[target.standard])
