"""The narrative of a periodic monitoring report (TT 10/2022/TT-BLĐTBXH, Mẫu số 01): the sections
a unit's officers write in the app. Its tables and charts come from approved figures when the .docx
is made (reports.docx_report); the narrative goes through the same review as figures."""

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from review.models import ReportingPeriod, ReviewedRecord, period_constraint


class MonitoringReport(ReviewedRecord):
    unit = models.ForeignKey(
        "plans.AdministrativeUnit", models.PROTECT, related_name="monitoring_reports", verbose_name=_("địa bàn")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices, default=ReportingPeriod.YEAR)
    period_number = models.PositiveSmallIntegerField(_("số kỳ"), default=0)
    general_situation = models.TextField(_("tình hình chung"), blank=True)
    results_commentary = models.TextField(_("đánh giá kết quả thực hiện"), blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)

    class Meta:
        verbose_name = _("báo cáo giám sát (phần lời)")
        verbose_name_plural = _("báo cáo giám sát (phần lời)")
        ordering = ["unit", "year", "period_kind", "period_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "period_kind", "period_number"], name="monitoring_report_unique_per_period"
            ),
            period_constraint("monitoring_report_period_number_matches_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} – {self.period_label}"

    def get_absolute_url(self) -> str:
        return page_url(unit_id=self.unit_id, year=self.year, period_kind=self.period_kind, period_number=self.period_number)


PERIOD_PREFIXES = {ReportingPeriod.HALF: "6t", ReportingPeriod.QUARTER: "q", ReportingPeriod.MONTH: "th"}


def period_code(period_kind: str, period_number: int) -> str:
    """The ?ky= code of a period, as the other pages write it: "nam", "6t1", "q2", "th3"."""
    return "nam" if period_kind == ReportingPeriod.YEAR else f"{PERIOD_PREFIXES[period_kind]}{period_number}"


def page_url(*, unit_id: int, year: int, period_kind: str, period_number: int) -> str:
    """The narrative's page: /bao-cao/giam-sat/<unit>/?nam=2025&ky=nam."""
    query = urlencode({"nam": year, "ky": period_code(period_kind, period_number)})
    return f"{reverse('narrative_edit', args=[unit_id])}?{query}"
