"""Personal data leaving the register: lists and exports, each logged.

A list writes one access-log row per household it showed (one INSERT, whatever the page holds),
as a household's page writes one. An export masks IDs and phones as the list does
(selectors.mask_digits); the full export is the commune's own officer's only, with a stated
reason kept in the log beside who and when.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households import resources, selectors
from households.models import AccessAction, Household, HouseholdAccessLog
from households.services import log_access
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit

# The list's query names, as its address shows them, for the log's "detail".
FILTER_NAMES = {"living_class": "hang", "village": "thon", "cause": "nguyen_nhan", "deprivation": "thieu_hut",
                "movement": "bien_dong", "query": "q"}


def describe_list(filters: selectors.ListFilters, page_number: int) -> str:
    """"nam=2025 hang=poor thon=Ấp 1 trang=2": which list showed the household."""
    parts = [f"nam={filters.year}"]
    parts += [f"{name}={getattr(filters, field)}" for field, name in FILTER_NAMES.items() if getattr(filters, field)]
    parts.append(f"trang={page_number}")
    return " ".join(parts)[:300]


def log_list(*, user, households: Sequence[Household], detail: str) -> list[HouseholdAccessLog]:
    """One row per household shown (the list's page, or the admin's), in one INSERT; none for an empty page."""
    return HouseholdAccessLog.objects.bulk_create([
        HouseholdAccessLog(user=user, action=AccessAction.LIST, unit_id=household.commune_id, household=household,
                           detail=detail[:300])
        for household in households
    ])


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@transaction.atomic
def export_reviews(*, user, commune: AdministrativeUnit, year: int, full: bool = False, reason: str = "") -> Export:
    """The commune's review list of `year` as .xlsx, logged before it is handed out.

    Masked for whoever may see the commune's households; `full` (IDs and phones as stored) only
    for the commune's own officer, with a reason: PermissionDenied or ValidationError otherwise.
    """
    access.require(user, Action.VIEW_HOUSEHOLDS, unit=commune)
    reason = (reason or "").strip()
    if full:
        if not selectors.is_commune_officer(user=user, commune=commune):
            raise PermissionDenied(_("Chỉ cán bộ của chính xã này được xuất danh sách đầy đủ (không che số định danh, điện thoại)."))
        if not reason:
            raise ValidationError({"reason": _("Hãy nêu lý do cần xuất danh sách đầy đủ.")})
    dataset = resources.export_review_list(selectors.reviews_for_export(user=user, commune=commune, year=year), full=full)
    log_access(user=user, action=AccessAction.EXPORT_FULL if full else AccessAction.EXPORT, unit=commune,
               rows=len(dataset), detail=f"{commune.code} {year}", reason=reason if full else "")
    suffix = "-day-du" if full else ""
    return Export(content=dataset.export("xlsx"), rows=len(dataset), filename=f"ra-soat-{commune.code}-{year}{suffix}.xlsx")
