"""Aggregate review results as a first-class input: a province's published table (per unit counts,
urban / rural) uploaded on its page, previewed, written all or nothing, feeding the register
indicators' rates and shown on the register pages of units whose households are not kept here.

The tables are the real published figures of tests/fixtures/real_plans (Tiền Giang 2021, eleven
districts and the province; Quảng Bình 2022, whole, urban and rural), written as provinces lay them out.
"""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from exchange.models import ImportRecord, ImportStatus
from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import read_csv_folder
from households import commune_figures, services
from households.aggregate_views import SESSION_KEY
from households.models import AggregateReview, Area, PovertyStandard, RegisterStat
from indicators.models import Actual, ActualSource, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, Role, UnitLevel
from tests.conftest import make_user, unit

FIXTURES = Path(__file__).parent / "fixtures" / "real_plans"
ND07 = "nd-07-2021"


def fixture_figures(slug: str) -> dict[tuple[str, str], dict[str, str]]:
    """{(unit code, breakdown): {indicator code: value or numerator}} of a fixture's actuals.csv."""
    out: dict = {}
    with (FIXTURES / slug / "actuals.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault((row["Mã địa bàn"], row["Nhóm phân tổ"]), {})[row["Mã chỉ số"]] = row["Giá trị"] or row["Tử số"]
    return out


def tien_giang_table() -> str:
    """Tiền Giang 2021 as its districts' table: code, name, total, poor at the end, near-poor at the end."""
    lines = ["Mã địa bàn,Tên địa bàn,Tổng số hộ,Số hộ nghèo cuối kỳ,Tỷ lệ (%),Số hộ cận nghèo cuối kỳ,Tỷ lệ (%)"]
    for (code, _), figures in sorted(fixture_figures("tien-giang-ra-soat-2021").items()):
        name = AdministrativeUnit.objects.get(code=code, admin_map=AdminMap.LEGACY).name
        lines.append(f'{code},{name},"{figures["HN01"]}","{figures["GN03"]}",,"{figures.get("HN02", "")}",')
    return "\n".join(lines) + "\n"


def quang_binh_table() -> str:
    """Quảng Bình 2022, one row with the urban and rural columns beside the whole (no urban/rural totals published)."""
    f = fixture_figures("quang-binh-ra-soat-2022")
    whole, urban, rural = f[("44", "")], f[("44", "thanh-thi")], f[("44", "nong-thon")]
    headers = ["Tên địa bàn", "Tổng số hộ", "Số hộ nghèo cuối kỳ", "Số hộ cận nghèo cuối kỳ"]
    cells = ["Toàn tỉnh", whole["HN01"], whole["GN03"], whole["HN02"]]
    for label, part in (("thành thị", urban), ("nông thôn", rural)):
        headers += [f"Số hộ nghèo cuối kỳ {label}", f"Tỷ lệ hộ nghèo {label}", f"Số hộ cận nghèo cuối kỳ {label}",
                    f"Tỷ lệ hộ cận nghèo {label}"]
        cells += [part["GN03"], part["GN01"], part["HN02"], part["GN02"]]
    return ",".join(headers) + "\n" + ",".join(f'"{c}"' for c in cells) + "\n"


def as_xlsx(content: str) -> bytes:
    """The table as a spreadsheet holds it: counts as whole numbers, rates as decimals."""
    table = tablib.Dataset().load(content, format="csv")
    def cell(text):
        return float(text.replace(",", ".")) if "," in text else int(text.replace(".", "")) if text[:1].isdigit() else text
    out = tablib.Dataset(headers=table.headers)
    for row in table:
        out.append([cell(c) for c in row])
    return out.export("xlsx")


def upload(client, content: str | bytes, **fields):
    name, body = ("ket-qua-ra-soat.xlsx", content) if isinstance(content, bytes) else ("ket-qua-ra-soat.csv", content.encode())
    data = {"file": SimpleUploadedFile(name, body), **fields}
    response = client.post(reverse("aggregate_import"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response["Location"]).status_code == 200  # the preview page
    return client.session[SESSION_KEY]


def confirm(client) -> ImportRecord:
    response = client.post(reverse("aggregate_confirm"))
    assert response.status_code == 302 and SESSION_KEY not in client.session, [str(m) for m in get_messages(response.wsgi_request)]
    return ImportRecord.objects.latest("id")


@pytest.fixture
def admin_client(client, db):
    call_command("load_standards", verbosity=0)
    client.force_login(make_user("quantri.th", Role.ADMIN))
    return client


@pytest.fixture
def tien_giang(admin_client):
    nd07 = PovertyStandard.objects.get(code=ND07)  # the 2021 review ran under the 2022–2025 standard
    table = upload(admin_client, tien_giang_table(), year="2021", standard=str(nd07.pk), source="Báo Ấp Bắc 06/01/2022")
    assert table["errors"] == [] and len(table["rows"]) == 12
    assert not AggregateReview.objects.exists()  # nothing before the confirmation
    record = confirm(admin_client)
    assert record.status == ImportStatus.APPLIED and record.counts["Kết quả rà soát tổng hợp"]["new"] == 12
    # in the imports' history beside the workbooks, its page readable there too
    detail = admin_client.get(reverse("import_detail", args=[record.pk]))
    assert detail.status_code == 200 and "Kết quả rà soát tổng hợp" in detail.content.decode()
    return record


def test_a_provinces_table_imports_and_feeds_the_rate_indicators(tien_giang):
    province = unit("82")
    assert AggregateReview.objects.filter(year=2021, import_record=tien_giang).count() == 12
    row = AggregateReview.objects.get(unit=province, year=2021, breakdown="")
    assert (row.total, row.poor_end, row.near_poor_end, row.standard.code) == (506184, 8112, 16113, ND07)
    gn01 = Actual.objects.get(indicator__code="GN01", unit=province, year=2021, breakdown="")
    assert (gn01.numerator, gn01.denominator) == (Decimal(row.poor_end), Decimal(row.total))
    assert (gn01.source, gn01.import_record_id, gn01.standard) == (ActualSource.IMPORTED, tien_giang.pk, ND07)
    # the yearly table the dashboards read: rate = count / total, for the province and each district
    for review in AggregateReview.objects.filter(year=2021, breakdown="").select_related("unit"):
        yearly = YearlyValue.objects.get(indicator__code="GN01", unit=review.unit, year=2021)
        assert yearly.value.quantize(Decimal("0.0001")) == (Decimal(review.poor_end) * 100 / review.total).quantize(Decimal("0.0001"))
    # TX Gò Công's near-poor count is cut off in the source: no HN02 / GN02 figure is made up for it
    go_cong = AggregateReview.objects.get(unit=unit("816"), year=2021)
    assert go_cong.near_poor_end is None
    assert not Actual.objects.filter(indicator__code__in=["GN02", "HN02"], unit=unit("816"), year=2021).exists()


def test_the_register_pages_show_the_table_and_its_districts(tien_giang, admin_client, django_assert_max_num_queries):
    province = unit("82")
    with django_assert_max_num_queries(13):
        page = admin_client.get(reverse("register_dashboard", args=[province.pk]) + "?nam=2021")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chưa có số liệu sổ hộ năm 2021" not in text
    assert "kết quả rà soát tổng hợp đã công bố" in text
    children = page.context["aggregate"].children
    assert len(children) == 11 and [r.unit.name for r in children] == sorted(r.unit.name for r in children)
    cai_be = AggregateReview.objects.get(unit=unit("819"), year=2021)
    assert "79.836" in text and "1,72%" in text  # Cái Bè: 1.370 / 79.836, not the printed 1,67%
    assert cai_be.poor_end_rate == pytest.approx(1370 * 100 / 79836)
    assert 2021 in page.context["board"].years


def test_urban_and_rural_split_is_kept_and_shown(admin_client):
    # the indicators split by khu vực, as the fixture's "Chỉ số" sheet says (the seed cascade splits none)
    sheets = read_csv_folder(FIXTURES / "quang-binh-ra-soat-2022")
    assert not import_workbook({name: sheets[name] for name in ("dimensions", "indicators")}).errors
    province = unit("44")
    table = upload(admin_client, as_xlsx(quang_binh_table()), year="2022", province=str(province.pk), source="QĐ 3627/QĐ-UBND")
    assert table["errors"] == []
    record = confirm(admin_client)
    rows = {r.breakdown: r for r in AggregateReview.objects.filter(unit=province, year=2022)}
    assert set(rows) == {"", "thanh-thi", "nong-thon"}
    assert (rows[""].total, rows[""].poor_end, rows[""].near_poor_end) == (257085, 12855, 12248)
    assert (rows["thanh-thi"].poor_end, rows["thanh-thi"].poor_rate, rows["nong-thon"].near_poor_rate) == (
        791, Decimal("1.44"), Decimal("5.55"))
    assert rows["thanh-thi"].total is None  # not published: the published rate stands
    page = admin_client.get(reverse("register_dashboard", args=[province.pk]) + "?nam=2022")
    text = page.content.decode()
    assert [r.label for r in page.context["aggregate"].rows] == ["Tổng số", "Thành thị", "Nông thôn"]
    assert "12.064" in text and "5,96%" in text and "1,44%" in text
    assert "5%" in text  # 12.855 / 257.085 = 5,0003 %
    gn01 = YearlyValue.objects.get(indicator__code="GN01", unit=province, year=2022, breakdown="")
    assert gn01.value.quantize(Decimal("0.01")) == Decimal("5.00")
    split = {(a.indicator.code, a.breakdown): a for a in Actual.objects.filter(unit=province, year=2022)
             .exclude(breakdown="").select_related("indicator")}
    assert (split[("GN03", "thanh-thi")].value, split[("GN01", "nong-thon")].value) == (791, Decimal("5.96"))
    assert split[("GN01", "thanh-thi")].import_record_id == record.pk and split[("GN01", "thanh-thi")].standard == ND07


def test_units_are_found_by_name_within_the_province(admin_client):
    table = ('"Huyện, thị xã, thành phố",Tổng số hộ,Số hộ nghèo,Thoát nghèo,Tái nghèo,Nghèo phát sinh,Khu vực\n'
             "Huyện Cái Bè,79.836,1.370,210,3,17,\n"
             "TP. Gò Công,27.290,500,,,,\n"
             "Cái Bè,9.000,100,,,,Nông thôn\n"  # no level word: the district and the thị trấn Cái Bè both match
             "Huyện Không Có,10,1,,,,\n"
             "Tổng cộng,506.184,8.112,,,,\n")
    preview = upload(admin_client, table, year="2021", province=str(unit("82").pk))
    found = {row["line"]: (row["unit_code"], row["breakdown"]) for row in preview["rows"]}
    assert found == {2: ("819", ""), 3: ("816", ""), 6: ("82", "")}
    assert preview["rows"][0]["escaped"] == 210 and preview["rows"][0]["fallen_back"] == 3
    messages = {e["row"]: e["message"] for e in preview["errors"]}
    assert messages[4].startswith("Tên “Cái Bè” khớp nhiều địa bàn của Tỉnh Tiền Giang")
    assert messages[5] == "Không tìm thấy địa bàn “Huyện Không Có” trong Tỉnh Tiền Giang."


def test_a_unit_whose_register_is_kept_is_refused(admin_client):
    ward = (AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE, parent__code="92",
                                              predecessor_links__predecessor__level=UnitLevel.COMMUNE)
            .order_by("code").distinct().first())
    keeper = make_user("canbo.xa.th", Role.OFFICER, (ward.code, AdminMap.CURRENT))
    household = services.save_household(user=keeper, commune=ward, head_name="Trần Văn Bình", village="Ấp 1",
                                        members=4, area=Area.RURAL)
    services.save_review(user=keeper, household=household, year=2025, deprivations=[], income=5_000_000)
    commune_figures.refresh_commune(commune=ward, year=2025)  # as the page does after a save
    assert RegisterStat.objects.filter(unit=ward, year=2025, total=1).exists()
    table = f"Mã địa bàn,Tổng số hộ,Số hộ nghèo cuối kỳ\n{ward.code},100,5\n"
    preview = upload(admin_client, table, year="2025")
    assert len(preview["errors"]) == 1
    assert "có sổ hộ quản lý trên hệ thống năm 2025 (1 hộ)" in preview["errors"][0]["message"]
    text = admin_client.get(reverse("aggregate_preview")).content.decode()
    assert "không ghi đè bằng bảng tổng hợp" in text and reverse("aggregate_confirm") not in text
    response = admin_client.post(reverse("aggregate_confirm"), follow=True)
    assert "Bảng có lỗi" in response.content.decode()
    assert not AggregateReview.objects.exists()
    assert Actual.objects.get(indicator__code="HN01", unit=ward, year=2025).source == ActualSource.REGISTER


def test_bad_figures_are_refused_in_vietnamese_and_nothing_is_written(admin_client):
    table = ("Mã địa bàn,Tổng số hộ,Số hộ nghèo cuối kỳ,Thoát nghèo,Số hộ cận nghèo cuối kỳ\n"
             "818,18.222,462,12,858\n"  # a good row: not written either
             "819,1.000,1.370,,\n"  # poor at the end above the total
             "820,53.904,-5,,\n"  # a negative count
             "821,77.197,abc,,\n"
             "999,10,1,,\n")
    preview = upload(admin_client, table, year="2021")
    messages = {e["row"]: e["message"] for e in preview["errors"]}
    assert "“Số hộ nghèo cuối kỳ” (1370) lớn hơn tổng số hộ (1000)." in messages[3]
    assert "“Số hộ nghèo cuối kỳ” không được âm (-5)." in messages[4]
    assert "không phải là số" in messages[5]
    assert "Không có địa bàn mã 999" in messages[6]
    response = admin_client.post(reverse("aggregate_confirm"), follow=True)
    assert "Bảng có lỗi" in response.content.decode()
    assert not AggregateReview.objects.exists() and not ImportRecord.objects.exists()
    assert not Actual.objects.filter(source=ActualSource.IMPORTED, year=2021).exists()


def test_the_database_refuses_a_poor_count_above_the_total(db):
    from django.db import IntegrityError, transaction

    call_command("load_standards", verbosity=0)
    standard = PovertyStandard.objects.get(code=ND07)
    with pytest.raises(IntegrityError), transaction.atomic():
        AggregateReview.objects.create(unit=unit("82"), year=2021, standard=standard, total=10, poor_end=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        AggregateReview.objects.create(unit=unit("82"), year=2021, standard=standard, total=10, escaped=-1)


def test_pages_for_the_personas_are_scoped(tien_giang, client, personas):
    province = unit("82")
    officer_ct = personas.officer_hg  # an officer of Cần Thơ: Tiền Giang is not theirs
    for user, status in ((personas.leader, 200), (personas.admin, 200), (officer_ct, 404), (personas.outsider, 404)):
        client.force_login(user)
        page = client.get(reverse("register_dashboard", args=[province.pk]) + "?nam=2021")
        assert page.status_code == status, user.username
        if status == 200:
            assert len(page.context["aggregate"].children) == 11
    client.force_login(officer_ct)
    assert client.get(reverse("aggregate_import")).status_code == 200
    assert client.get(reverse("aggregate_preview"))["Location"] == reverse("aggregate_import")  # another's preview is not theirs
    # an officer cannot write another province's table
    preview = upload(client, "Mã địa bàn,Tổng số hộ,Số hộ nghèo cuối kỳ\n818,18.222,462\n", year="2021")
    assert "Bạn không có quyền nhập số liệu của" in preview["errors"][0]["message"]
    client.force_login(personas.leader)
    assert client.get(reverse("aggregate_import")).status_code == 403
