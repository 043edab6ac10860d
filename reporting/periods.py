"""Which periods a regime reports on: the one parser of its "các kỳ" field (models and deadlines use it)."""

from django.utils.translation import gettext as _

from review.models import ReportingPeriod

PERIODS_PER_YEAR = {ReportingPeriod.YEAR: 1, ReportingPeriod.HALF: 2, ReportingPeriod.QUARTER: 4, ReportingPeriod.MONTH: 12}
MONTHS_PER_PERIOD = {ReportingPeriod.YEAR: 12, ReportingPeriod.HALF: 6, ReportingPeriod.QUARTER: 3, ReportingPeriod.MONTH: 1}


def parse_period_numbers(text: str, period_kind: str | None) -> list[int]:
    """"" → every period of the kind; "1" → the first; "1-8" or "1,3,5" → those. A year's number is 0."""
    if period_kind is None:
        return []
    if period_kind == ReportingPeriod.YEAR:
        return [0]
    last = PERIODS_PER_YEAR[period_kind]
    if not text.strip():
        return list(range(1, last + 1))
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _dash, end = part.partition("-")
        if not first.isdigit() or (end and not end.isdigit()):
            raise ValueError(_("Các kỳ viết như “1”, “1-8” hoặc “1,3,5”; “%(text)s” không đọc được.") % {"text": text})
        start, stop = int(first), int(end or first)
        if not 1 <= start <= stop <= last:
            raise ValueError(_("Kỳ phải từ 1 đến %(last)s.") % {"last": last})
        numbers.update(range(start, stop + 1))
    return sorted(numbers)
