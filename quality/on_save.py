"""The rules when a figure is saved on the entry page: the same-period rules of quality.imports over
the saved figure and the stored figures of its unit and period, shown to the officer as warnings
(the figure is kept: the data-quality page and the reviewer see the rest)."""

from indicators.models import Actual
from quality.imports import broken_rules


def figures_beside(actual: Actual) -> dict[str, tuple]:
    """{indicator code: (value, numerator, denominator, id)} of the unit's figures of the whole for the
    saved figure's period: under its standard where an indicator has one, the saved figure itself included."""
    stored = Actual.objects.filter(
        unit_id=actual.unit_id, year=actual.year, period_kind=actual.period_kind,
        period_number=actual.period_number, breakdown="", standard__in={"", actual.standard},
    ).values_list("indicator__code", "standard", "value", "numerator", "denominator", "pk")
    figures: dict[str, tuple] = {}
    for code, standard, value, numerator, denominator, pk in stored.order_by("standard"):  # "" first: the standard wins
        figures[code.upper()] = (value, numerator, denominator, pk)
    return figures


def warnings_for(actual: Actual) -> list[str]:
    if actual.breakdown:  # the rules read figures of the whole
        return []
    return [message for _rule, marked, message in broken_rules(figures_beside(actual)) if marked[3] == actual.pk]
