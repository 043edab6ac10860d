"""The browsing pages: login required, Vietnamese, complete, and a bounded number of queries."""

import pytest
from django.urls import reverse

from plans.models import Agency
from tests.conftest import document, unit

SEED_NUMBERS = [
    "160/NQ-CP",
    "18/KH-UBND",
    "chưa rõ số (KH thực hiện CT 05)",
    "chưa rõ số (KL ngày 03/3/2023)",
    "chưa rõ số (CTr thực hiện NQ 09)",
]


def page_urls():
    kh18 = document("18/KH-UBND", "hg-ubnd")
    return [
        reverse("home"),
        reverse("document_list"),
        reverse("document_detail", args=[kh18.pk]),
        reverse("agency_detail", args=["ct-so-nnmt"]),
        reverse("unit_detail", args=[unit("93").pk]),
    ]


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_the_login_page_is_vietnamese(client, db):
    response = client.get(reverse("login"))
    assert "Đăng nhập" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_pages_are_vietnamese_whatever_the_browser_asks_until_the_user_switches(logged_in_client, settings):
    response = logged_in_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    logged_in_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert logged_in_client.get(reverse("home"))["Content-Language"] == "en"


def test_home_shows_the_cascade_from_chi_thi_05_down_to_bao_loc(logged_in_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # one is the bell's unread count, on every signed-in page
        response = logged_in_client.get(reverse("home"))
    html = response.content.decode()
    assert "05-CT/TW" in html
    for number in SEED_NUMBERS:
        assert number in html, number
    # Bảo Lộc's programme sits below Lâm Đồng's NQ 09, itself below CT 05.
    assert html.index("05-CT/TW") < html.index("09-NQ/TU") < html.index("chưa rõ số (CTr thực hiện NQ 09)")
    # A document resting on several bases appears once, under the most specific one, naming the others.
    assert html.count("<strong>Kế hoạch 18/KH-UBND</strong>") == 1
    assert html.index("<strong>Nghị quyết 160/NQ-CP</strong>") < html.index("<strong>Kế hoạch 18/KH-UBND</strong>")
    assert "Căn cứ thêm" in html


def test_document_list_filters_by_province_level_issuer_and_accentless_search(logged_in_client, django_assert_max_num_queries):
    url = reverse("document_list")
    with django_assert_max_num_queries(8):
        everything = logged_in_client.get(url).context["documents"]
    assert len(everything) == 12

    by_province = logged_in_client.get(url, {"tinh": unit("24").pk}).context["documents"]
    assert [d.number for d in by_province] == ["chưa rõ số (KH thực hiện CT 05)"]

    central = logged_in_client.get(url, {"cap": "central"}).context["documents"]
    assert {d.number for d in central} >= {"05-CT/TW", "160/NQ-CP", "54-NQ/TW"}
    assert all(d.issuer.unit.code == "VN" for d in central)

    by_issuer = logged_in_client.get(url, {"co_quan": "hg-ubnd"}).context["documents"]
    assert [d.number for d in by_issuer] == ["18/KH-UBND"]

    found = logged_in_client.get(url, {"q": "bao loc"}).context["documents"]
    assert [d.number for d in found] == ["chưa rõ số (CTr thực hiện NQ 09)"]


def test_document_page_shows_bases_targets_tasks_agencies_and_quotes(logged_in_client, django_assert_max_num_queries):
    kh18 = document("18/KH-UBND", "hg-ubnd")
    with django_assert_max_num_queries(20):
        response = logged_in_client.get(reverse("document_detail", args=[kh18.pk]))
    html = response.content.decode()
    assert "Hồ Thu Ánh" in html and "09/02/2022" in html
    for basis in ("05-CT/TW", "160/NQ-CP", "54-KH/TU"):
        assert basis in html
    assert "75.000" in html  # targets in Vietnamese number format
    assert "Trích dẫn nguồn" in html
    for task in kh18.tasks.select_related("lead_agency"):
        assert f'id="task-{task.pk}"' in html
        if task.lead_agency:
            assert task.lead_agency.name in html


def test_document_page_queries_do_not_grow_with_its_tasks(logged_in_client, django_assert_max_num_queries):
    """The largest and a small document cost the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for number, issuer in [("18/KH-UBND", "hg-ubnd"), ("chưa rõ số (KL ngày 03/3/2023)", "tth-btv-tu")]:
        with CaptureQueriesContext(connection) as queries:
            logged_in_client.get(reverse("document_detail", args=[document(number, issuer).pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_agency_page_lists_tasks_inherited_from_its_predecessors(logged_in_client, django_assert_max_num_queries):
    inherited = Agency.objects.get(code="hg-so-ldtbxh").led_tasks.all()
    assert inherited.exists()
    with django_assert_max_num_queries(13):  # the bell's unread count included
        response = logged_in_client.get(reverse("agency_detail", args=["ct-so-nnmt"]))
    html = response.content.decode()
    assert "Sở Lao động" in html
    assert set(inherited) <= set(response.context["led_tasks"])


def test_unit_page_shows_its_successor_and_documents(logged_in_client, django_assert_max_num_queries):
    hau_giang = unit("93")
    with django_assert_max_num_queries(13):  # the bell's unread count included
        response = logged_in_client.get(reverse("unit_detail", args=[hau_giang.pk]))
    html = response.content.decode()
    assert "Cần Thơ" in html
    assert "18/KH-UBND" in html


def test_the_new_unit_shows_the_documents_of_the_units_it_absorbed(logged_in_client):
    response = logged_in_client.get(reverse("unit_detail", args=[unit("92", "34").pk]))
    assert "18/KH-UBND" in [d.number for d in response.context["documents"]]


@pytest.mark.parametrize("name, args", [("document_detail", [999999]), ("agency_detail", ["khong-co"]), ("unit_detail", [999999])])
def test_unknown_objects_are_404(logged_in_client, name, args):
    assert logged_in_client.get(reverse(name, args=args)).status_code == 404


def test_the_menu_offers_review_quality_and_import_only_to_those_who_may(client, personas):
    def menu(user) -> list[str]:
        client.force_login(user)
        html = client.get(reverse("document_list")).content.decode()
        nav = html[html.index("<nav>"):html.index("</nav>")]
        return [name for name in ("Duyệt", "Chất lượng số liệu", "Nhập dữ liệu") if f">{name}</a>" in nav]

    assert menu(personas.officer_hg) == []
    assert menu(personas.leader) == ["Chất lượng số liệu"]
    assert menu(personas.reviewer_hg) == ["Duyệt", "Chất lượng số liệu"]
    assert menu(personas.admin) == ["Duyệt", "Chất lượng số liệu", "Nhập dữ liệu"]
