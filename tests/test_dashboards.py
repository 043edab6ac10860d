"""The dashboard pages: who may open them, what a leader sees (every seed document's targets
judged, red first), pending figures only on request, merged territories marked, sortable and
drillable comparisons, the Excel IPTT, and a number of queries that does not grow with units."""

import io
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indicators import rollups
from indicators.models import Actual, ActualSource, Indicator, Target
from plans.models import AdministrativeUnit, AdminMap, Document, UnitLevel
from review.models import ReviewStatus
from tests.conftest import unit

SEED_DOCUMENTS = ["05-CT/TW", "18/KH-UBND", "chưa rõ số (KH thực hiện CT 05)", "chưa rõ số (KL ngày 03/3/2023)",
                  "chưa rõ số (CTr thực hiện NQ 09)"]


def login(client, user):
    client.force_login(user)
    return client


def main(response) -> str:
    return response.content.decode().split("<main>", 1)[1]


def target(issuer: str, code: str) -> Target:
    return Target.objects.get(document__issuer__code=issuer, code=code)


def figure(code: str, place, year: int, value, status=ReviewStatus.APPROVED, source=ActualSource.ENTERED) -> Actual:
    return Actual.objects.create(indicator=Indicator.objects.get(code=code), unit=place, year=year, status=status,
                                 source=source, value=Decimal(str(value)))


def urls() -> list[str]:
    gn01 = Indicator.objects.get(code="GN01")
    mt1 = target("tw-bbt", "MT.1")
    return [
        reverse("dashboard"),
        reverse("dashboard_target", args=[mt1.pk]),
        reverse("dashboard_compare_index"),
        reverse("dashboard_compare", args=[gn01.pk]),
        reverse("dashboard_cascade_index"),
        reverse("dashboard_cascade", args=[mt1.pk]),
        reverse("dashboard_iptt", args=[mt1.document_id]),
        reverse("dashboard_iptt_excel", args=[mt1.document_id]),
    ]


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_a_user_without_a_territory_is_refused_every_page(client, personas):
    login(client, personas.outsider)
    for url in urls():
        assert client.get(url).status_code == 403, url


def test_every_page_opens_for_the_leader_with_the_nav_link(client, personas):
    login(client, personas.leader)
    for url in urls():
        assert client.get(url).status_code == 200, url
    assert f'href="{reverse("dashboard")}"' in client.get(reverse("home")).content.decode()


def test_the_leader_sees_every_target_of_the_five_seed_documents_judged_red_first(client, personas):
    figure("GN01", unit("46"), 2024, "2.5")  # Huế's "còn 2,2%" at the end of 2024: missed
    figure("GN07", unit("481"), 2023, 0)  # A Lưới out of the poor districts in 2023: achieved
    page = main(login(client, personas.leader).get(reverse("dashboard") + "?nam=2026"))
    targets = Target.objects.filter(document__number__in=SEED_DOCUMENTS)
    assert targets.count() == 26 and targets.values("document").distinct().count() == 5
    for t in targets:
        assert f'id="target-{t.pk}"' in page
    missed, achieved = target("tth-btv-tu", "2.1.1"), target("tth-btv-tu", "2.1.3")
    assert page.index(f'id="target-{missed.pk}"') < page.index(f'id="target-{achieved.pk}"')
    row = page.split(f'id="target-{missed.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Không đạt" in row and "Năm 2024: 2,5%, cao hơn mức còn 2,2%" in row
    assert page.index('id="behind"') < page.index('id="good"') < page.index('id="no_data"')
    for heading in ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Chưa đến hạn", "Quá hạn"):
        assert heading in page


def test_pending_figures_count_only_when_asked_for_and_are_marked(client, personas):
    figure("GN01", unit("46"), 2024, "2.0", status=ReviewStatus.SUBMITTED)
    missed = target("tth-btv-tu", "2.1.1")
    login(client, personas.leader)
    plain = main(client.get(reverse("dashboard_target", args=[missed.pk]) + "?nam=2026"))
    assert "Chưa có số liệu" in plain and "2,0" not in plain.split("<table", 1)[1]
    pending = main(client.get(reverse("dashboard_target", args=[missed.pk]) + "?nam=2026&cho_duyet=1"))
    assert "Đạt" in pending and "chờ duyệt" in pending and "Đang xem cả số liệu chờ duyệt" in pending


def test_illustrative_figures_are_labelled_on_the_pages_that_show_them(client, personas):
    figure("GN01", unit("46"), 2024, "2.1", source=ActualSource.ILLUSTRATIVE)
    login(client, personas.leader)
    for url in (reverse("dashboard"), reverse("dashboard_target", args=[target("tth-btv-tu", "2.1.1").pk])):
        assert "Có số liệu minh họa" in main(client.get(url)), url


def test_the_target_page_draws_from_our_own_plotly_and_repeats_the_figures_in_a_table(client, personas):
    hg, can_tho = unit("93"), unit("92", AdminMap.CURRENT)
    for year, value in [(2020, "5.0"), (2021, "4.1"), (2024, "1.9")]:
        figure("GN01", hg, year, value)
    figure("GN01", can_tho, 2025, "2.4")
    page = login(client, personas.leader).get(reverse("dashboard_target", args=[target("hg-ubnd", "II.2.a.1").pk])).content.decode()
    assert '/static/vendor/plotly-basic/plotly-basic.min.js"' in page and "Plotly.newPlot" in page
    assert "cdn" not in page.lower()
    table = page.split('class="data figures"', 1)[1]
    assert re.search(r"<td>2021</td>\s*<td>Tỉnh Hậu Giang</td>\s*<td class=\"num\">4,1", table)
    assert re.search(r"<td>2025</td>\s*<td>Thành phố Cần Thơ</td>\s*<td class=\"num\">2,4", table)
    assert "không dùng để đánh giá" in table
    assert "Tỉnh Hậu Giang sáp nhập vào Thành phố Cần Thơ ngày 01/07/2025" in page


def test_an_officer_sees_only_their_territory_and_what_merged_into_it(client, personas):
    login(client, personas.officer_hg)
    page = main(client.get(reverse("dashboard")))
    assert f'id="target-{target("hg-ubnd", "II.2.a.1").pk}"' in page
    assert f'id="target-{target("bg-btv-tu", "II.2.1.1").pk}"' not in page
    assert client.get(reverse("dashboard_target", args=[target("bg-btv-tu", "II.2.1.1").pk])).status_code == 404
    vn = unit("VN", AdminMap.STATISTICAL)
    gn01 = Indicator.objects.get(code="GN01")
    assert client.get(reverse("dashboard_compare", args=[gn01.pk]) + f"?dia_ban={vn.pk}").status_code == 404
    own = main(client.get(reverse("dashboard_compare", args=[gn01.pk])))
    assert "Thành phố Cần Thơ" in own and "Tỉnh Lai Châu" not in own
    # The national target is a benchmark: an officer sees it beside their own.
    assert client.get(reverse("dashboard_target", args=[target("tw-bbt", "MT.1").pk])).status_code == 200


def _provinces_figures(year: int, values: dict[str, str]) -> None:
    gn01 = Indicator.objects.get(code="GN01")
    Actual.objects.bulk_create([
        Actual(indicator=gn01, unit=unit(code, AdminMap.CURRENT), year=year, status=ReviewStatus.APPROVED, value=Decimal(v))
        for code, v in values.items()
    ])
    rollups.refresh_yearly_values(indicator_ids=[gn01.pk])


def test_the_comparison_sorts_both_ways_and_drills_down_to_the_communes(client, personas):
    _provinces_figures(2025, {"12": "9.5", "92": "1.2", "01": "0.3"})  # Lai Châu, Cần Thơ, Hà Nội
    gn01 = Indicator.objects.get(code="GN01")
    login(client, personas.leader)
    url = reverse("dashboard_compare", args=[gn01.pk]) + "?nam=2025"
    names = lambda page: [n for n in re.findall(r"<td><a href=\"[^\"]+\">([^<]+)</a></td>", page)]  # noqa: E731
    by_value = names(main(client.get(url + "&sap_xep=gia_tri&thu_tu=giam")))
    assert by_value[:3] == ["Tỉnh Lai Châu", "Thành phố Cần Thơ", "Thành phố Hà Nội"]
    assert names(main(client.get(url + "&sap_xep=gia_tri&thu_tu=tang")))[:3] == ["Thành phố Hà Nội", "Thành phố Cần Thơ", "Tỉnh Lai Châu"]
    by_name = names(main(client.get(url + "&sap_xep=ten&thu_tu=tang")))
    assert by_name == sorted(by_name) and len(by_name) == 34
    lai_chau = unit("12", AdminMap.CURRENT)
    drill = main(client.get(url + f"&dia_ban={lai_chau.pk}"))
    assert lai_chau.children.first().name in drill and "Tỉnh Sơn La" not in drill
    hint = "Bấm vào một cột"
    assert hint in main(client.get(url)) and hint not in drill  # communes open nothing further


def _capture(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_comparison_runs_the_same_queries_for_three_communes_or_all_of_them(client, personas):
    lai_chau = unit("12", AdminMap.CURRENT)
    communes = list(lai_chau.children.order_by("code"))
    gn01 = Indicator.objects.get(code="GN01")
    login(client, personas.leader)
    url = reverse("dashboard_compare", args=[gn01.pk]) + f"?nam=2025&dia_ban={lai_chau.pk}"

    def add(places):
        Actual.objects.bulk_create([
            Actual(indicator=gn01, unit=place, year=year, status=ReviewStatus.APPROVED, value=Decimal("3.5"))
            for place in places for year in (2024, 2025)
        ])
        rollups.refresh_yearly_values(indicator_ids=[gn01.pk])

    add(communes[:3])
    few = _capture(client, url)
    add(communes[3:])
    many = _capture(client, url)
    assert few == many <= 25
    assert main(client.get(url)).count('class="tag illustrative"') == 0


def test_the_dashboard_runs_the_same_queries_whatever_the_number_of_units_with_figures(client, personas):
    login(client, personas.leader)
    empty = _capture(client, reverse("dashboard"))
    provinces = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE)
    for code in ("GN01", "LD02", "GN04"):
        ind = Indicator.objects.get(code=code)
        Actual.objects.bulk_create([
            Actual(indicator=ind, unit=p, year=year, status=ReviewStatus.APPROVED, value=Decimal(2))
            for p in provinces for year in (2020, 2023, 2024, 2025)
        ])
    rollups.refresh_yearly_values()
    full = _capture(client, reverse("dashboard"))
    assert empty == full <= 25
    for name in ("dashboard_cascade", "dashboard_target"):
        assert _capture(client, reverse(name, args=[target("tw-bbt", "MT.1").pk])) <= 20


def test_the_iptt_downloads_as_an_excel_workbook(client, personas):
    figure("LD02", unit("93"), 2021, "16000")
    document = Document.objects.get(number="18/KH-UBND")
    response = login(client, personas.leader).get(reverse("dashboard_iptt_excel", args=[document.pk]) + "?nam=2026")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'attachment; filename="iptt-18kh-ubnd-2026.xlsx"' == response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["Mã chỉ tiêu", "Chỉ số", "Địa bàn"] and "2021 thực hiện" in header
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == set(document.targets.values_list("code", flat=True))
    jobs = rows["II.2.a.3"]
    assert jobs[header.index("2021 chỉ tiêu")] == 15000 and jobs[header.index("2021 thực hiện")] == 16000


def test_the_cascade_page_shows_each_restatement_side_by_side(client, personas):
    page = main(login(client, personas.leader).get(reverse("dashboard_cascade", args=[target("tw-bbt", "MT.1").pk])))
    for issuer, code in [("hg-ubnd", "II.2.a.1"), ("bg-btv-tu", "II.2.1.1"), ("bl-thu", "I.3.2.1")]:
        assert reverse("dashboard_target", args=[target(issuer, code).pk]) in page
    assert "Chặt hơn cấp trên" in page and "chưa thể cộng lại" in page


def test_a_territory_out_of_reach_or_unknown_is_a_404_and_a_bad_one_falls_back_to_the_users(client, personas):
    login(client, personas.officer_hue)
    assert client.get(reverse("dashboard") + f"?dia_ban={unit('92', AdminMap.CURRENT).pk}").status_code == 404
    assert client.get(reverse("dashboard") + "?dia_ban=999999999").status_code == 404
    page = main(client.get(reverse("dashboard") + "?dia_ban=abc"))
    assert "Thành phố Huế" in page.split("</h1>", 1)[0]
