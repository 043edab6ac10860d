"""The form that reopens a locked period for one unit (reporting.locks.grant_exception checks the right)."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.access import Reach
from plans.models import AdministrativeUnit, UnitLevel
from reporting.locks import period_title
from reporting.models import Regime
from review.models import ReportingPeriod

DEFAULT_OPEN_DAYS = 7
MONTH_LABEL = _("Tháng %(month)s")
QUARTER_LABEL = _("Quý %(number)s")
PERIOD_CHOICES = [
    ("year-0", _("Cả năm")),
    ("half-1", _("6 tháng đầu năm")),
    ("half-2", _("6 tháng cuối năm")),
    *[(f"quarter-{number}", QUARTER_LABEL) for number in range(1, 5)],
    *[(f"month-{number}", MONTH_LABEL) for number in range(1, 13)],
]


def period_choices() -> list[tuple[str, str]]:
    """The choices, worded in the request's language."""
    choices = []
    for code, label in PERIOD_CHOICES:
        number = int(code.rsplit("-", 1)[1])
        choices.append((code, str(label) % {"month": number, "number": number}))
    return choices


def unit_label(unit: AdministrativeUnit) -> str:
    return f"{unit.name} ({unit.code}, {unit.get_admin_map_display()})"


def display_units(user_reach: Reach, levels: set[int], chosen: AdministrativeUnit | None) -> list[AdministrativeUnit]:
    """The units the select offers: those in the granter's reach at the locking regimes' levels.
    A national reach (admins) is offered the provinces only; any unit is taken by its id (?don_vi=)."""
    units = AdministrativeUnit.objects.filter(level__in=levels)
    if user_reach.everywhere:
        units = units.filter(level__lte=UnitLevel.PROVINCE)
    else:
        units = units.filter(Q(pk__in=user_reach.root_unit_ids) | user_reach.unit_q("parent"))
    found = list(units.order_by("admin_map", "level", "code")[:2000])
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    return found


class LockExceptionForm(forms.Form):
    regime = forms.ModelChoiceField(
        label=_("Chế độ báo cáo"), queryset=Regime.objects.filter(lock_grace_days__isnull=False).order_by("name"),
    )
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdministrativeUnit.objects.all())
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Kỳ"), choices=PERIOD_CHOICES)
    open_until = forms.DateField(
        label=_("Mở đến hết ngày"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user_reach: Reach, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["open_until"].initial = today + timedelta(days=DEFAULT_OPEN_DAYS)
        self.fields["year"].initial = today.year - 1
        self.fields["period"].choices = period_choices()
        levels = set(self.fields["regime"].queryset.values_list("reporting_level", flat=True))
        chosen = self._chosen_unit()
        self.fields["unit"].widget.choices = [("", "---------")] + [
            (unit.pk, unit_label(unit)) for unit in display_units(user_reach, levels, chosen)
        ]

    def _chosen_unit(self) -> AdministrativeUnit | None:
        raw = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        if isinstance(raw, AdministrativeUnit):
            return raw
        if raw and str(raw).isdigit():
            return AdministrativeUnit.objects.filter(pk=int(raw)).first()
        return None

    def cleaned_period(self) -> tuple[str, int]:
        kind, number = self.cleaned_data["period"].rsplit("-", 1)
        return ReportingPeriod(kind).value, int(number)


def exception_rows(exceptions, today) -> list[dict]:
    return [
        {"exception": exception, "period": period_title(exception.year, exception.period_kind, exception.period_number),
         "open": exception.open_until >= today}
        for exception in exceptions
    ]


def initial_from_query(query) -> dict:
    """Prefill from a link (?che_do=<code>&don_vi=<id>&nam=<year>&ky=<kind-number>)."""
    initial = {}
    regime = Regime.objects.filter(code=query.get("che_do", "")).first()
    if regime is not None:
        initial["regime"] = regime
    if query.get("don_vi", "").isdigit():
        initial["unit"] = query["don_vi"]
    if query.get("nam", "").isdigit():
        initial["year"] = int(query["nam"])
    if query.get("ky") in dict(PERIOD_CHOICES):
        initial["period"] = query["ky"]
    return initial

