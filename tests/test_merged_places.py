"""Figures of places closed on 1/7/2025: a figure counts where its period ends (indicators.closures).

Hậu Giang (93, 63-province map) merged into thành phố Cần Thơ (92, 34-province map): its own
figures run to the first half of 2025; the 2025 annual figure and every later one are Cần Thơ's.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import sheet_headers
from indicators import services
from indicators.models import Actual, Indicator, PeriodKind, Target
from plans.models import AdminMap
from review.models import RecordSource, ReviewStatus
from tests.conftest import unit

MERGED = "Tỉnh Hậu Giang đã sáp nhập vào Thành phố Cần Thơ từ ngày 01/07/2025"


def hg_target(code: str) -> Target:
    """II.2.a.1 poverty rate 2021–2025; II.2.b.3 trained workers (LD01) 2026–2030."""
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code=code)


def can_tho():
    return unit("92", AdminMap.CURRENT)


def save(user, place, year, *, kind=PeriodKind.YEAR, number=0, value="2.5", target=None, code="GN01"):
    indicator = target.indicator if target else Indicator.objects.get(code=code)
    return services.save_actual(user=user, indicator=indicator, unit=place, year=year, period_kind=kind,
                                period_number=number, value=Decimal(value), target=target)


def page(response) -> str:
    return response.content.decode().replace("&amp;", "&")


def import_figures(rows: list[tuple[str, str, str, int, str]]) -> None:
    """Figures as a bulk import writes them (no author, source imported)."""
    headers = sheet_headers("actuals")
    cells = [
        {"Mã chỉ số": code, "Mã địa bàn": place, "Bản đồ": admin_map, "Năm": str(year), "Kỳ": "Năm", "Số kỳ": "0",
         "Giá trị": value, "Trạng thái": "Đã duyệt"}
        for code, place, admin_map, year, value in rows
    ]
    lines = [[row.get(header, "") for header in headers] for row in cells]
    result = import_actuals(SheetRows(headers=headers, open_rows=lambda: iter(enumerate(lines, start=2)), total=len(lines)))
    assert result.error_count == 0, result.errors


def imported_before_the_rule(code: str, place, year: int, value: str) -> Actual:
    """A figure an import wrote before imports refused figures of closed units (it stays in the
    database): as a bulk import wrote it, approved, with no author."""
    now = timezone.now()
    return Actual.objects.create(indicator=Indicator.objects.get(code=code), unit=place, year=year, value=Decimal(value),
                                 source=RecordSource.IMPORTED, status=ReviewStatus.APPROVED, submitted_at=now,
                                 reviewed_at=now)


# ---------------------------------------------------------------------------------------------
# The rule, in the service


@pytest.mark.parametrize("year, kind, number", [(2023, PeriodKind.YEAR, 0), (2024, PeriodKind.YEAR, 0), (2025, PeriodKind.HALF, 1)])
def test_a_closed_province_takes_figures_of_the_periods_that_ended_before_it_closed(personas, year, kind, number):
    actual = save(personas.officer_hg, unit("93"), year, kind=kind, number=number)
    assert (actual.unit.code, actual.year, actual.period_kind) == ("93", year, kind)


@pytest.mark.parametrize("year, kind, number, period_text", [
    (2025, PeriodKind.YEAR, 0, "số liệu năm 2025"),
    (2025, PeriodKind.HALF, 2, "số liệu 6 tháng cuối năm 2025"),
    (2025, PeriodKind.QUARTER, 3, "số liệu quý 3 năm 2025"),
    (2026, PeriodKind.YEAR, 0, "số liệu năm 2026"),
    (2030, PeriodKind.YEAR, 0, "số liệu năm 2030"),
])
def test_a_figure_of_a_closed_province_after_it_closed_is_refused_naming_the_successor(personas, year, kind, number,
                                                                                        period_text):
    with pytest.raises(ValidationError) as refused:
        save(personas.officer_hg, unit("93"), year, kind=kind, number=number)
    message = refused.value.message_dict["year"][0]
    assert message.startswith(f"{MERGED}: {period_text} được tính cho Thành phố Cần Thơ, không tính cho Tỉnh Hậu Giang")
    assert "kết thúc đến ngày 30/06/2025" in message
    assert not Actual.objects.exists()


def test_the_successor_takes_the_figure_for_its_own_and_for_the_merged_provinces_targets(personas):
    assert save(personas.officer_hg, can_tho(), 2025, code="LD01", value="60").unit == can_tho()
    later = save(personas.officer_hg, can_tho(), 2026, value="55", target=hg_target("II.2.b.3"))
    assert (later.unit, later.year) == (can_tho(), 2026)
    # The 2025 annual figure of a 2021–2025 target of Hậu Giang is Cần Thơ's too.
    assert save(personas.officer_hg, can_tho(), 2025, value="3", target=hg_target("II.2.a.1")).value == 3


def test_a_target_takes_the_successors_figure_only_for_periods_after_the_merger(personas):
    with pytest.raises(ValidationError) as refused:
        save(personas.officer_hg, can_tho(), 2024, target=hg_target("II.2.a.1"))
    assert refused.value.message_dict["year"] == ["Số liệu năm 2024 của chỉ tiêu này là của Tỉnh Hậu Giang."]
    with pytest.raises(ValidationError):  # a unit that is neither the territory nor its successor
        save(personas.officer_hg, unit("94"), 2024, target=hg_target("II.2.a.1"))
    assert not Actual.objects.exists()


def test_a_merger_into_a_unit_of_the_same_name_names_both_maps(personas):
    with pytest.raises(ValidationError) as refused:
        save(personas.officer_hg, unit("92"), 2025)
    assert refused.value.message_dict["year"][0].startswith(
        "Thành phố Cần Thơ (bản đồ 63 tỉnh) đã sáp nhập vào Thành phố Cần Thơ (bản đồ 34 tỉnh) từ ngày 01/07/2025"
    )


def test_a_district_after_the_district_level_ended_counts_nowhere(personas):
    a_luoi = unit("481")
    assert save(personas.officer_hue, a_luoi, 2024, code="GN07", value="0").year == 2024
    with pytest.raises(ValidationError) as refused:
        save(personas.officer_hue, a_luoi, 2025, code="GN07", value="0")
    assert refused.value.message_dict["year"] == [
        "Huyện A Lưới không còn từ ngày 01/07/2025: số liệu năm 2025 của đơn vị này không được tính ở đâu "
        "(đơn vị này chỉ nhận số liệu của các kỳ kết thúc đến ngày 30/06/2025)."
    ]


def test_an_imported_figure_of_a_closed_province_cannot_be_changed_after_it_closed(personas):
    imported = imported_before_the_rule("GN01", unit("93"), 2026, "2.1")
    assert (imported.source, imported.created_by) == (RecordSource.IMPORTED, None)
    with pytest.raises(ValidationError) as refused:
        services.save_actual(user=personas.officer_hg, indicator=imported.indicator, unit=imported.unit, year=2026,
                             value=Decimal("2.0"), expected_version=imported.version, correction_reason="Phúc tra")
    assert MERGED in refused.value.message_dict["year"][0]
    imported.refresh_from_db()
    assert imported.value == Decimal("2.1")


# ---------------------------------------------------------------------------------------------
# The pages


def test_the_entry_page_says_where_the_figure_counts_and_links_the_successors_entry(client, personas):
    target = hg_target("II.2.b.3")
    client.force_login(personas.officer_hg)
    url = reverse("actual_entry", args=[target.pk])
    successor_url = f"{url}?nam=2026&ky=nam&don_vi={can_tho().pk}"

    shown = page(client.get(url, {"nam": 2026}))
    assert f"{MERGED}: số liệu năm 2026 được tính cho Thành phố Cần Thơ" in shown
    assert f'href="{successor_url}"' in shown and "Nhập số liệu cho Thành phố Cần Thơ" in shown

    data = {"year": 2026, "period": "nam", "value": "55,5", "numerator": "", "denominator": "", "version": "",
            "action": "save", "correction_reason": ""}
    refused = client.post(f"{url}?nam=2026", data)
    assert refused.status_code == 200 and MERGED in page(refused) and f'href="{successor_url}"' in page(refused)
    assert not Actual.objects.exists()

    successor_page = page(client.get(successor_url))
    assert "Thành phố Cần Thơ <span" in successor_page
    assert "Tỉnh Hậu Giang đã sáp nhập vào đây từ ngày 01/07/2025" in successor_page
    assert client.post(successor_url, data).status_code == 302
    actual = Actual.objects.get()
    assert (actual.unit, actual.year, actual.value) == (can_tho(), 2026, Decimal("55.5"))

    detail = page(client.get(reverse("actual_detail", args=[actual.pk])))
    assert successor_url in detail  # its edit link comes back to the successor's entry


FORM_PARTS = ('name="value"', 'value="submit"', 'value="save"', "<form method=\"post\"")


def test_the_entry_page_of_a_closed_unit_shows_no_form_only_the_notice(client, personas):
    target = hg_target("II.2.b.3")  # LD01 2026–2030
    client.force_login(personas.officer_hg)
    url = reverse("actual_entry", args=[target.pk])
    closed = page(client.get(url, {"nam": 2026}))
    assert MERGED in closed and "Nhập số liệu cho Thành phố Cần Thơ" in closed
    assert not [part for part in FORM_PARTS if part in closed]
    successor = page(client.get(url, {"nam": 2026, "don_vi": can_tho().pk}))
    assert all(part in successor for part in FORM_PARTS)
    # An imported figure of the closed province: no "write a reason to correct it" either.
    imported_before_the_rule("GN01", unit("93"), 2026, "2.1")
    gn01 = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.b.2")
    shown = page(client.get(reverse("actual_entry", args=[gn01.pk]), {"nam": 2026}))
    assert "2,1%" in shown and "hãy ghi lý do" not in shown and 'name="value"' not in shown

    early = reverse("actual_entry", args=[hg_target("II.2.a.1").pk])  # 2021–2025: 2024 is still Hậu Giang's
    open_page = page(client.get(early, {"nam": 2024}))
    assert MERGED not in open_page and all(part in open_page for part in FORM_PARTS)


def test_a_refused_post_of_a_closed_period_from_an_open_page_keeps_the_form_and_what_was_typed(client, personas):
    early = reverse("actual_entry", args=[hg_target("II.2.a.1").pk])  # 2024 is still Hậu Giang's
    client.force_login(personas.officer_hg)
    data = {"year": 2025, "period": "nam", "value": "2,7", "numerator": "", "denominator": "", "version": "",
            "action": "save", "correction_reason": ""}
    refused = page(client.post(f"{early}?nam=2024", data))
    assert f"{MERGED}: số liệu năm 2025 được tính cho Thành phố Cần Thơ" in refused
    assert all(part in refused for part in FORM_PARTS) and 'value="2,7"' in refused
    assert not Actual.objects.exists()


def test_the_entry_page_of_an_ended_district_shows_the_notice_only(client, personas):
    a_luoi_target = Target.objects.get(territory__code="481", territory__admin_map=AdminMap.LEGACY)
    client.force_login(personas.officer_hue)
    url = reverse("actual_entry", args=[a_luoi_target.pk])
    ended = page(client.get(url, {"nam": 2025}))
    assert "Huyện A Lưới không còn từ ngày 01/07/2025" in ended
    assert "Nhập số liệu cho" not in ended and 'class="button"' not in ended
    assert not [part for part in FORM_PARTS if part in ended]
    assert all(part in page(client.get(url, {"nam": 2024})) for part in FORM_PARTS)


def test_the_successors_entry_is_only_for_the_successor_and_only_after_the_merger(client, personas):
    target = hg_target("II.2.a.1")
    client.force_login(personas.officer_hg)
    url = reverse("actual_entry", args=[target.pk])
    assert client.get(url, {"nam": 2024, "don_vi": can_tho().pk}).status_code == 404
    assert client.get(url, {"nam": 2025, "don_vi": unit("94").pk}).status_code == 404
    assert client.get(url, {"nam": 2025, "don_vi": can_tho().pk}).status_code == 200
    assert client.get(url, {"nam": 2025, "ky": "6t1"}).status_code == 200
    assert MERGED not in page(client.get(url, {"nam": 2025, "ky": "6t1"}))  # the first half is still Hậu Giang's


def test_an_imported_figure_of_a_closed_province_opens_and_leads_to_the_notice(client, personas):
    imported = imported_before_the_rule("GN01", unit("93"), 2026, "2.1")
    client.force_login(personas.officer_hg)
    assert client.get(reverse("actual_detail", args=[imported.pk])).status_code == 200
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.b.2")  # GN01 2026–2030
    shown = page(client.get(reverse("actual_entry", args=[target.pk]), {"nam": 2026}))
    assert "2,1%" in shown and MERGED in shown


def test_my_work_offers_the_successors_entry_after_the_merger_and_shows_its_figure(client, personas):
    import_figures([("LD01", "92", "34", 2026, "56")])  # Cần Thơ's figure, imported
    target, early = hg_target("II.2.b.3"), hg_target("II.2.a.1")
    client.force_login(personas.officer_hg)
    work = page(client.get(reverse("my_work"), {"nam": 2026}))
    row = work.split(f'id="target-{target.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Đã sáp nhập vào Thành phố Cần Thơ từ ngày 01/07/2025" in row
    assert "56%" in row  # the successor's figure
    entry = reverse("actual_entry", args=[target.pk])
    assert f"{entry}?nam=2026&ky=nam\"" not in work
    for other in Target.objects.filter(document__issuer__code="hg-ubnd", start_year=2026).exclude(pk=target.pk):
        assert f'{reverse("actual_entry", args=[other.pk])}?nam=2026&ky=nam&don_vi={can_tho().pk}"' in work
        assert "Nhập số liệu cho Thành phố Cần Thơ" in work

    before = page(client.get(reverse("my_work"), {"nam": 2024}))
    assert f'{reverse("actual_entry", args=[early.pk])}?nam=2024&ky=nam"' in before
    assert "Đã sáp nhập" not in before


def test_my_work_offers_nothing_for_a_district_after_it_ended(client, personas):
    a_luoi_target = Target.objects.get(territory__code="481", territory__admin_map=AdminMap.LEGACY)
    a_luoi_target.end_year = 2026
    a_luoi_target.save()
    client.force_login(personas.officer_hue)
    work = page(client.get(reverse("my_work"), {"nam": 2026}))
    row = work.split(f'id="target-{a_luoi_target.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Không còn từ ngày 01/07/2025: không nhận số liệu kỳ này" in row
    assert reverse("actual_entry", args=[a_luoi_target.pk]) not in row


# ---------------------------------------------------------------------------------------------
# Target texts show their comparator


def test_a_comparison_target_names_what_it_is_compared_with(db):
    target = hg_target("II.2.b.1")
    assert target.bound_label == "bằng hoặc thấp hơn mức của Việt Nam và Đồng bằng sông Cửu Long"


def test_every_target_text_has_a_number_or_the_units_compared(db):
    for target in Target.objects.prefetch_related("compare_units"):
        label = target.bound_label
        assert any(ch.isdigit() for ch in label) or "mức của" in label or "(có)" in label or "(không)" in label, label


def test_the_pages_that_show_target_texts_show_the_comparator(client, personas):
    target = hg_target("II.2.b.1")
    comparator = "bằng hoặc thấp hơn mức của Việt Nam và Đồng bằng sông Cửu Long"
    client.force_login(personas.officer_hg)
    assert comparator in page(client.get(reverse("my_work"), {"nam": 2026}))
    successor_entry = f'{reverse("actual_entry", args=[target.pk])}?nam=2026&ky=nam&don_vi={can_tho().pk}'
    assert comparator in page(client.get(successor_entry))
    assert comparator in page(client.get(target.document.get_absolute_url()))
