"""The poverty standard of a figure: which one is in force in a year, its short name, and the
checks every write path shares (households.PovertyStandard holds the standards as data).

A figure of an indicator that depends on the standard (`Indicator.depends_on_standard`) records
the standard it was measured under; blank means the standard in force in the figure's year.
Other indicators' figures have no standard ("").
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from households.models import PovertyStandard

_PERIOD = re.compile(r"(\d{4})\s*[–-]\s*(\d{4})")


@dataclass(frozen=True)
class StandardInfo:
    code: str
    first_year: int
    last_year: int
    period_end: int  # the end of the period it was made for
    legal_basis: str = ""

    @property
    def short_name(self) -> str:
        """"chuẩn 2022–2025", fixed Vietnamese as the evaluation's explanations."""
        return f"chuẩn {self.first_year}–{self.period_end}"

    @property
    def display_name(self) -> str:
        """The short name in the page's language."""
        return _("chuẩn %(first)s–%(last)s") % {"first": self.first_year, "last": self.period_end}


def _period_end(standard: PovertyStandard) -> int:
    """From its first year of application to the end of the period it was made for (its name says
    "giai đoạn 2021–2025"; a year it was kept beyond that is not in the short name)."""
    match = _PERIOD.search(standard.name)
    last = int(match.group(2)) if match else standard.last_year
    return last if standard.first_year <= last <= standard.last_year else standard.last_year


class Standards:
    """The standards, read once (one query) for a page or a bulk write."""

    def __init__(self):
        self.by_code = {
            s.code: StandardInfo(s.code, s.first_year, s.last_year, _period_end(s), s.legal_basis)
            for s in PovertyStandard.objects.only("code", "name", "legal_basis", "first_year", "last_year")
        }

    def in_force(self, year: int | None) -> str:
        """The code of the standard in force in `year`, "" when none is loaded for it."""
        if year is None:
            return ""
        for info in self.by_code.values():
            if info.first_year <= year <= info.last_year:
                return info.code
        return ""

    def applicable(self, year: int | None) -> list[str]:
        """The standards a figure of `year` may be measured under: the one in force, and the next one
        when it starts the following year (the review at the end of a standard's last year is the
        baseline of the next: 2021 under QĐ 59/2015 or NĐ 07/2021)."""
        if year is None:
            return []
        current = self.in_force(year)
        following = [info.code for info in self.by_code.values() if info.first_year == year + 1]
        return [code for code in [current, *following] if code]

    def choice_label(self, code: str) -> str:
        """"chuẩn 2016–2020 (QĐ 59/2015/QĐ-TTg)", for a form's list."""
        info = self.by_code[code]
        return f"{info.display_name} ({info.legal_basis})" if info.legal_basis else info.display_name

    def short_name(self, code: str) -> str:
        info = self.by_code.get(code)
        return info.short_name if info else code

    def resolve(self, *, depends_on_standard: bool, indicator_code: str, year: int | None, code: str) -> str:
        """The standard a figure is stored under; ValueError (Vietnamese) for a code that is unknown
        or given for an indicator that does not depend on the standard."""
        code = (code or "").strip()
        if not depends_on_standard:
            if code:
                raise ValueError(
                    _("Chỉ số %(indicator)s không đo theo chuẩn nghèo: để trống cột “Chuẩn nghèo”.")
                    % {"indicator": indicator_code}
                )
            return ""
        if not code:
            return self.in_force(year)  # "" while no standard is loaded for the year
        if code not in self.by_code:
            known = ", ".join(sorted(self.by_code, key=lambda c: self.by_code[c].first_year))
            raise ValueError(
                _("Không có chuẩn nghèo mã “%(code)s” (các mã: %(known)s).") % {"code": code, "known": known}
            )
        allowed = self.applicable(year) if year is not None else [code]
        if code not in allowed:
            raise ValueError(self._not_applicable(code, year, allowed))
        return code

    def _not_applicable(self, code: str, year: int, allowed: list[str]) -> str:
        if not allowed:
            return _("Chuẩn nghèo “%(code)s” không dùng cho số liệu năm %(year)s: chưa có chuẩn nghèo nào cho năm này.") % {
                "code": code, "year": year}
        return _("Chuẩn nghèo “%(code)s” không dùng cho số liệu năm %(year)s; năm này chỉ nhận: %(allowed)s.") % {
            "code": code, "year": year, "allowed": ", ".join(allowed)}


def standard_for_figure(*, indicator, year: int, code: str = "", standards: Standards | None = None) -> str:
    """As Standards.resolve, for one figure (the entry page, the register): ValidationError on "standard"."""
    try:
        return (standards or Standards()).resolve(
            depends_on_standard=indicator.depends_on_standard, indicator_code=indicator.code, year=year, code=code
        )
    except ValueError as error:
        raise ValidationError({"standard": str(error)}) from None


def entry_standard(*, target, year: int, standards: Standards | None = None) -> str:
    """The standard a target's figure of `year` is entered under by default: the target's own where
    it applies to the year, else the one in force; "" for an indicator that does not depend on it."""
    if not target.indicator.depends_on_standard:
        return ""
    standards = standards or Standards()
    if target.standard and target.standard in standards.applicable(year):
        return target.standard
    return standards.in_force(year)


_cached: Standards | None = None


def cached() -> Standards:
    """The standards, read once per process for pages that must not query per figure (the
    dashboards' judgement is query-free); saving or deleting a standard forgets them."""
    global _cached
    if _cached is None:
        _cached = Standards()
    return _cached


def forget(**kwargs) -> None:
    global _cached
    _cached = None


def short_name(code: str) -> str:
    """"chuẩn 2022–2025" for a standard's code (fixed Vietnamese); "" for none."""
    return cached().short_name(code) if code else ""


def display_name(code: str) -> str:
    """The short name in the page's language; "" for none."""
    info = cached().by_code.get(code) if code else None
    return info.display_name if info else (code or "")


post_save.connect(forget, sender=PovertyStandard, dispatch_uid="poverty_standards_forget_on_save")
post_delete.connect(forget, sender=PovertyStandard, dispatch_uid="poverty_standards_forget_on_delete")
