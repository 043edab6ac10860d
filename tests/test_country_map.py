"""The country map loaded from the data packages (plans.country_map, manage.py load_units).

The session's test database already holds the map (conftest runs load_units); the module fixture loads
it again (a no-op then, the full load otherwise) inside a transaction rolled back at the end, so these
tests do not depend on it. Each test runs in a savepoint on top of it.
"""

from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from plans.country_build import LegacyIndex, build_successions
from plans.country_map import load_country_map
from plans.country_sources import REGIONS, REORGANISATION_DATE, read_regions
from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession

U = AdministrativeUnit
LEGACY, CURRENT, STAT = AdminMap.LEGACY, AdminMap.CURRENT, AdminMap.STATISTICAL
# A first load writes ~25.000 rows; one query per row would be thousands. Batches keep it to a few
# dozen on PostgreSQL and a few hundred on SQLite (999 parameters per statement).
MAX_QUERIES_FIRST_LOAD = 300
MAX_QUERIES_RELOAD = 10


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            result = load_country_map()
        yield SimpleNamespace(result=result, queries=len(queries.captured_queries))
        transaction.set_rollback(True)


@pytest.fixture
def country(loaded, db):
    return loaded.result


def unit(admin_map: str, code: str) -> AdministrativeUnit:
    return U.objects.get(admin_map=admin_map, code=code)


def successors(admin_map: str, code: str) -> dict[str, tuple[Decimal | None, bool]]:
    links = UnitSuccession.objects.filter(predecessor__admin_map=admin_map, predecessor__code=code)
    return {link.successor.code: (link.share, link.is_main) for link in links.select_related("successor")}


def test_counts(country):
    def n(admin_map, level):
        return U.objects.filter(admin_map=admin_map, level=level).count()

    assert n(STAT, UnitLevel.NATION) == 1
    assert n(STAT, UnitLevel.REGION) == 6
    assert n(CURRENT, UnitLevel.PROVINCE) == 34
    assert n(CURRENT, UnitLevel.COMMUNE) == 3321
    assert n(CURRENT, UnitLevel.DISTRICT) == 0
    assert n(LEGACY, UnitLevel.PROVINCE) == 63
    assert n(LEGACY, UnitLevel.DISTRICT) == 696  # vietnamadminunits 1.0.4, 5 island districts without communes
    assert n(LEGACY, UnitLevel.COMMUNE) == 10035
    assert U.objects.count() == 1 + 6 + 34 + 3321 + 63 + 696 + 10035
    assert country.units_created + country.units_updated + country.units_unchanged == U.objects.count()
    assert country.counts[(CURRENT, UnitLevel.COMMUNE)] == 3321


def test_nation_and_regions(country):
    nation = unit(STAT, "VN")
    assert nation.level == UnitLevel.NATION and nation.parent is None
    regions = U.objects.filter(level=UnitLevel.REGION)
    assert {(r.code, r.name) for r in regions} == set(REGIONS)
    assert all(r.parent == nation and r.admin_map == "" for r in regions)
    assert unit(STAT, "DBSCL").name == "Đồng bằng sông Cửu Long"


def test_every_province_has_its_region(country):
    provinces = U.objects.filter(level=UnitLevel.PROVINCE)
    assert not provinces.filter(region__isnull=True).exists()
    assert unit(LEGACY, "93").region.code == "DBSCL"  # Hậu Giang
    assert unit(LEGACY, "92").region.code == "DBSCL"  # Cần Thơ before
    assert unit(CURRENT, "92").region.code == "DBSCL"  # Cần Thơ after
    per_region = dict(
        provinces.filter(admin_map=LEGACY).values_list("region__code").annotate(n=Count("id")).order_by()
    )
    assert per_region == {"TDMNPB": 14, "DBSH": 11, "BTBDHMT": 14, "TN": 5, "DNB": 6, "DBSCL": 13}
    assert provinces.filter(admin_map=CURRENT).values("region").distinct().count() == 6


def test_regions_csv_lists_both_maps():
    table = read_regions()
    assert sum(1 for m, _ in table if m == "63") == 63
    assert sum(1 for m, _ in table if m == "34") == 34
    assert set(table.values()) == {code for code, _ in REGIONS}


def test_todays_map(country):
    nation = unit(STAT, "VN")
    lam_dong = unit(CURRENT, "68")
    assert lam_dong.parent == nation and lam_dong.division_type == "tỉnh" and lam_dong.name == "Tỉnh Lâm Đồng"
    assert lam_dong.valid_from.isoformat() == "2025-07-01" and lam_dong.valid_to is None
    assert lam_dong.children.count() == 124
    assert unit(CURRENT, "01").name == "Thành phố Hà Nội"
    assert unit(CURRENT, "01").division_type == "thành phố trung ương"
    ward = unit(CURRENT, "24823")
    assert ward.name == "Phường 1 Bảo Lộc" and ward.division_type == "phường" and ward.parent == lam_dong
    assert unit(CURRENT, "00004").name == "Phường Ba Đình"  # 5-digit codes
    assert unit(CURRENT, "26732").division_type == "đặc khu"  # Côn Đảo
    current_communes = U.objects.filter(admin_map=CURRENT, level=UnitLevel.COMMUNE)
    assert not current_communes.exclude(parent__level=UnitLevel.PROVINCE).exists()
    assert U.objects.filter(admin_map=CURRENT, level=UnitLevel.COMMUNE, valid_from__isnull=True).count() == 0


def test_legacy_map(country):
    lam_dong = unit(LEGACY, "68")
    assert lam_dong.parent == unit(STAT, "VN") and lam_dong.valid_to.isoformat() == "2025-06-30"
    bao_loc = unit(LEGACY, "673")
    assert bao_loc.name == "Thành phố Bảo Lộc" and bao_loc.parent == lam_dong
    assert bao_loc.level == UnitLevel.DISTRICT and bao_loc.division_type == "thành phố thuộc tỉnh"
    assert unit(LEGACY, "24823").parent == bao_loc  # Phường 1 (Bảo Lộc) before 1/7/2025
    assert unit(LEGACY, "46").name == "Thành phố Huế"
    assert unit(LEGACY, "93").name == "Tỉnh Hậu Giang"
    legacy_communes = U.objects.filter(admin_map=LEGACY, level=UnitLevel.COMMUNE)
    assert not legacy_communes.exclude(parent__level=UnitLevel.DISTRICT).exists()
    assert set(legacy_communes.values_list("division_type", flat=True).distinct()) == {"xã", "phường", "thị trấn"}
    assert not U.objects.filter(admin_map=LEGACY, valid_to__isnull=True).exists()


def test_search_key_is_filled_by_the_bulk_load(country):
    assert unit(LEGACY, "93").search_key == "tinh hau giang 93"
    assert not U.objects.filter(search_key="").exists()


def test_province_successions(country):
    assert successors(LEGACY, "93") == {"92": (Decimal(1), True)}  # Hậu Giang → Cần Thơ
    assert successors(LEGACY, "94") == {"92": (Decimal(1), True)}  # Sóc Trăng → Cần Thơ
    assert successors(LEGACY, "92") == {"92": (Decimal(1), True)}
    assert successors(LEGACY, "46") == {"46": (Decimal(1), True)}  # Huế → Huế, not merged
    assert successors(LEGACY, "24") == {"24": (Decimal(1), True)}  # Bắc Giang → Bắc Ninh (seat in Bắc Giang)
    assert successors(LEGACY, "27") == {"24": (Decimal(1), True)}  # Bắc Ninh → Bắc Ninh
    lam_dong_from = unit(CURRENT, "68").predecessor_links.filter(predecessor__level=UnitLevel.PROVINCE)
    # Lâm Đồng + Đắk Nông + Bình Thuận
    assert set(lam_dong_from.values_list("predecessor__code", flat=True)) == {"68", "67", "60"}
    link = UnitSuccession.objects.get(predecessor=unit(LEGACY, "93"))
    assert link.effective_on.isoformat() == "2025-07-01"
    legacy_provinces = U.objects.filter(admin_map=LEGACY, level=UnitLevel.PROVINCE)
    assert legacy_provinces.annotate(n=Count("successor_links")).filter(n=1).count() == 63
    province_links = UnitSuccession.objects.filter(
        predecessor__level=UnitLevel.PROVINCE, successor__admin_map=CURRENT, successor__level=UnitLevel.PROVINCE
    )
    assert province_links.values("successor").distinct().count() == 34


def test_district_successions(country):
    assert successors(LEGACY, "673") == {"68": (Decimal(1), True)}  # Bảo Lộc → Lâm Đồng
    districts = U.objects.filter(admin_map=LEGACY, level=UnitLevel.DISTRICT)
    assert not districts.filter(successor_links__isnull=True).exists()
    # every district goes to the new province its province went to
    links = UnitSuccession.objects.filter(successor__level=UnitLevel.PROVINCE)
    district_links = set(
        links.filter(predecessor__level=UnitLevel.DISTRICT).values_list("predecessor__parent_id", "successor_id")
    )
    province_links = set(
        links.filter(predecessor__level=UnitLevel.PROVINCE).values_list("predecessor_id", "successor_id")
    )
    assert len(district_links) == 63 and district_links == province_links
    # island districts without communes go to their đặc khu as well
    assert successors(LEGACY, "755") == {"26732": (Decimal(1), True), "79": (Decimal(1), True)}  # Côn Đảo


def test_commune_successions(country):
    assert country.legacy_communes_without_successor == []
    communes = U.objects.filter(admin_map=LEGACY, level=UnitLevel.COMMUNE)
    assert not communes.filter(successor_links__isnull=True).exists()
    # exactly one main successor per legacy commune
    mains = communes.annotate(n=Count("successor_links", filter=Q(successor_links__is_main=True)))
    assert not mains.exclude(n=1).exists()
    # Bảo Lộc city's communes went into phường 1, 2, 3 Bảo Lộc and B'Lao
    bao_loc_links = UnitSuccession.objects.filter(predecessor__parent=unit(LEGACY, "673"))
    names = set(bao_loc_links.values_list("successor__name", flat=True))
    assert names == {"Phường 1 Bảo Lộc", "Phường 2 Bảo Lộc", "Phường 3 Bảo Lộc", "Phường B'Lao"}
    assert successors(LEGACY, "24823") == {"24823": (Decimal(1), True)}
    # a divided commune: several successors, share unknown, one main
    split = UnitSuccession.objects.filter(share__isnull=True, predecessor__level=UnitLevel.COMMUNE)
    assert split.values("predecessor").distinct().count() == 471
    every_link_of_split = UnitSuccession.objects.filter(predecessor__in=split.values("predecessor"))
    assert not every_link_of_split.filter(share__isnull=False).exists()
    # all links go from the 63-province map to the 34-province map, on 1/7/2025
    assert not UnitSuccession.objects.exclude(predecessor__admin_map=LEGACY, successor__admin_map=CURRENT).exists()
    assert set(UnitSuccession.objects.values_list("effective_on", flat=True).distinct()) == {REORGANISATION_DATE}


def test_first_load_uses_a_bounded_number_of_queries(country, django_assert_max_num_queries):
    # Hide the loaded units from the natural key (admin_map, code), so that the load starts from scratch;
    # the test's savepoint puts them back.
    U.objects.update(code=Concat(Value("~"), "code"))
    with django_assert_max_num_queries(MAX_QUERIES_FIRST_LOAD):
        first = load_country_map()
    assert (first.units_created, first.units_updated, first.units_unchanged) == (14156, 0, 0)
    assert first.links_created == 11361 and first.links_updated == 0
    assert first.units_not_in_packages == 14156  # the hidden ones, left alone


def test_module_load_stayed_within_the_bound(loaded):
    assert loaded.queries <= MAX_QUERIES_FIRST_LOAD


def test_second_run_changes_nothing(country, django_assert_max_num_queries):
    before = list(U.objects.order_by("id").values_list("id", "name", "parent_id", "region_id", "search_key"))
    with django_assert_max_num_queries(MAX_QUERIES_RELOAD):
        again = load_country_map()
    assert (again.units_created, again.units_updated, again.units_unchanged) == (0, 0, 14156)
    assert (again.links_created, again.links_updated) == (0, 0)
    assert again.links_unchanged == UnitSuccession.objects.count() == 11361
    assert list(U.objects.order_by("id").values_list("id", "name", "parent_id", "region_id", "search_key")) == before


def test_reload_repairs_drift_and_leaves_unknown_units_alone(country):
    U.objects.filter(admin_map=CURRENT, code="92").update(name="Cần Thơ (sửa tay)", search_key="x")
    UnitSuccession.objects.filter(predecessor=unit(LEGACY, "93")).update(is_main=False)
    extra = U.objects.create(code="99999", name="Xã thử", level=UnitLevel.COMMUNE, admin_map=CURRENT,
                             parent=unit(CURRENT, "92"))
    again = load_country_map()
    assert (again.units_created, again.units_updated, again.units_not_in_packages) == (0, 1, 1)
    assert (again.links_created, again.links_updated) == (0, 1)
    assert unit(CURRENT, "92").name == "Thành phố Cần Thơ"
    assert unit(CURRENT, "92").search_key == "thanh pho can tho 92"
    assert successors(LEGACY, "93") == {"92": (Decimal(1), True)}
    assert U.objects.filter(pk=extra.pk).exists()


def test_command_prints_a_one_line_summary(country):
    out = StringIO()
    call_command("load_units", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "34 provinces + 3321 communes" in lines[0]
    assert "63 provinces + 696 districts + 10035 communes" in lines[0]
    assert "Units: 0 created, 0 updated, 14156 unchanged" in lines[0]


def test_build_successions_on_a_small_converter():
    """The general rules, on made-up keys: a province split between two new provinces gets share None."""
    legacy = LegacyIndex(
        provinces={"tinha": "01"},
        districts={("tinha", "huyenx"): "001", ("tinha", "huyendao"): "002"},
        communes={"tinha_huyenx_xa1": "00001", "tinha_huyenx_xa2": "00002"},
        commune_district={"00001": "001", "00002": "001"},
        district_province={"001": "01", "002": "01"},
    )
    converter = {
        "DICT_PROVINCE": {"tinhmoi": ["tinha"]},
        "DICT_PROVINCE_WARD_NO_DIVIDED": {
            "tinhmoi": {"xamoi": ["tinha_huyenx_xa1"], "dackhu": ["tinha_huyendao_"]},
        },
        "DICT_PROVINCE_WARD_DIVIDED": {
            "tinhkhac": {"tinha_huyenx_xa2": [{"newWardKey": "xakhac", "isDefaultNewWard": True}]},
            "tinhmoi": {"tinha_huyenx_xa2": [{"newWardKey": "xamoi", "isDefaultNewWard": False}]},
        },
    }
    new_provinces = {"tinhmoi": "10", "tinhkhac": "20"}
    new_wards = {("tinhmoi", "xamoi"): "10001", ("tinhmoi", "dackhu"): "10002", ("tinhkhac", "xakhac"): "20001"}
    notes: list[str] = []
    links, orphans = build_successions(converter, legacy, new_provinces, new_wards, notes)
    got = {(s.predecessor[1], s.successor[1]): (s.share, s.is_main) for s in links}
    assert got == {
        ("00001", "10001"): (Decimal(1), True),
        ("002", "10002"): (Decimal(1), True),  # island district → its đặc khu
        ("00002", "20001"): (None, True),
        ("00002", "10001"): (None, False),
        ("01", "10"): (None, True),  # DICT_PROVINCE's target is the main one
        ("01", "20"): (None, False),  # reached through a divided commune
        ("001", "10"): (None, True),
        ("001", "20"): (None, False),
        ("002", "10"): (None, True),  # no communes: follows its province
        ("002", "20"): (None, False),
    }
    assert orphans == [] and notes == []
