"""Overlong, wrongly encoded, malformed and empty input gets a Vietnamese message, never a 500.

Query parameters (?nam=%FF, 20-digit years, "²", NUL bytes, which PostgreSQL refuses in text),
ids beyond any integer column, 100.000-character texts, 400-digit numbers, CSV files in
Windows-1258, latin-1 or UTF-16, invalid UTF-8, empty files and empty forms, on every page that
reads them. The test client re-raises a view's exception, so a 500 fails the test with its cause.
"""

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.models import ImportRecord, ImportStatus
from households.models import Household
from indicators import services
from indicators.models import Indicator, Target
from plans.models import AdminMap, Role
from review.models import ExplanationRequest, TaskReport
from tests.test_properties import vietnamese
from tests.test_reporting_pages import hg_target, inherited_task, report_url
from tests.test_xss import make_user

YEAR = 2024
LONG = "Rà soát " * 12_500  # 100.000 characters
HUGE = "9" * 400
BIG_ID = "99999999999999999999"
SUPERSCRIPT = "%C2%B2"  # "²": str.isdigit() says yes, int() says no


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    return SimpleNamespace(
        officer=make_user("canbo.bad", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt"),
        reviewer=make_user("duyet.bad", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd"),
        leader=make_user("lanhdao.bad", Role.LEADER),
        admin=make_user("quantri.bad", Role.ADMIN),
    )


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response.wsgi_request, "_messages") else []


def errors_of(response) -> list[str]:
    """The messages a form page shows: field and form errors, and flash messages."""
    found = []
    context = response.context or {}
    for name in ("form", "return_form"):
        form = context.get(name)
        if form is not None and getattr(form, "errors", None):
            found += [str(m) for messages in form.errors.values() for m in messages]
    return found or messages_of(response)


def assert_not_500(response) -> None:
    assert response.status_code < 500, response.status_code


def assert_told_in_vietnamese(response, fragment: str = "") -> None:
    assert_not_500(response)
    shown = errors_of(response)
    assert shown and all(vietnamese(m) for m in shown), shown
    if fragment:
        assert any(fragment in m for m in shown), shown


# ---------------------------------------------------------------------------------------------
# Query parameters and ids in paths

BAD_YEARS = ["%FF", BIG_ID, SUPERSCRIPT, "-1", "2024%00", "9" * 5000, "", "%00"]
BAD_WORDS = ["xyz", "%00", "%FF", "a%00b", "%EF%BF%BF"]


def _leader_urls():
    target = hg_target()
    document = target.document
    gn01 = Indicator.objects.get(code="GN01")
    urls = []
    for year in BAD_YEARS:
        urls += [f"{reverse('my_work')}?nam={year}&ky={year}", f"{reverse('dashboard')}?nam={year}&cho_duyet={year}",
                 f"{reverse('dashboard_target', args=[target.pk])}?nam={year}",
                 f"{reverse('dashboard_iptt', args=[document.pk])}?nam={year}",
                 f"{reverse('dashboard_iptt_excel', args=[document.pk])}?nam={year}",
                 f"{reverse('dashboard_cascade', args=[target.pk])}?nam={year}"]
    for word in [*BAD_WORDS, SUPERSCRIPT, BIG_ID, "-1", "9" * 5000]:
        urls += [
            f"{reverse('document_list')}?q={word}&co_quan={word}&cap={word}&tinh={word}",
            f"{reverse('dashboard')}?dia_ban={word}",
            f"{reverse('dashboard_compare', args=[gn01.pk])}?dia_ban={word}&ban_do={word}&sap_xep={word}&thu_tu={word}&do={word}",
            f"{reverse('dashboard_compare_index')}?nam={word}",
            f"{reverse('dashboard_cascade_index')}?nam={word}",
            f"{reverse('register_home')}?nam={word}",
        ]
    urls += [f"{reverse('document_list')}?q={'a' * 100_000}"]
    for path in ["/so-lieu/{}/", "/van-ban/{}/", "/dia-ban/{}/", "/bang-dieu-khien/chi-tieu/{}/",
                 "/bang-dieu-khien/so-sanh/{}/", "/bang-dieu-khien/iptt/{}/", "/bao-cao-nhiem-vu/{}/",
                 "/ho-ngheo/dia-ban/{}/", "/ho-ngheo/xa/{}/ho/", "/ho-ngheo/ho/{}/", "/minh-chung/{}/",
                 "/nhap-du-lieu/{}/", "/so-lieu/nhap/{}/", "/nhiem-vu/{}/bao-cao/"]:
        urls.append(path.format(BIG_ID))
    urls += ["/co-quan/%00/", "/co-quan/%FF/", f"/ho-ngheo/ho/{BIG_ID}/ra-soat/{BIG_ID}/",
             f"{reverse('export_list', args=['actuals', 'csv'])}?nam=%00"]
    return urls


def test_no_query_parameter_or_id_breaks_a_page(client, people):
    """Each URL is judged on its own: a bad value is ignored (the default is used) or is a 404."""
    client.force_login(people.admin)
    urls = _leader_urls()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 404), (url[:120], response.status_code)
    assert len(urls) > 100


def test_the_officers_entry_pages_ignore_bad_periods(client, people):
    target, task = hg_target(), inherited_task()
    client.force_login(people.officer)
    for year in BAD_YEARS:
        for word in BAD_WORDS:
            for url in [f"{reverse('actual_entry', args=[target.pk])}?nam={year}&ky={word}",
                        f"{report_url(task, 2024)}&nam={year}&ky={word}"]:
                assert client.get(url).status_code == 200, url
    for word in BAD_WORDS:
        assert client.get(f"{reverse('task_report_entry', args=[task.pk])}?co_quan={word}").status_code == 404


def test_the_login_page_refuses_bad_names_with_a_message(client, db):
    for username in ["a\x00b", LONG, ""]:
        response = client.post(reverse("login"), {"username": username, "password": "x\x00"})
        assert response.status_code == 200 and response.context["form"].errors
    assert client.get(reverse("login") + "?next=%00").status_code == 200


# ---------------------------------------------------------------------------------------------
# The figure form

def jobs_target() -> Target:
    """Hậu Giang's jobs target (workers, a count): no 0–100 bound to stop a huge number first."""
    return hg_target("II.2.a.3")


def post_figure(client, target, **fields):
    data = {"year": YEAR, "period": "nam", "value": "", "numerator": "", "denominator": "", "version": "",
            "correction_reason": "", "action": "save"}
    data.update(fields)
    return client.post(f"{reverse('actual_entry', args=[target.pk])}?nam={YEAR}", data)


@pytest.mark.parametrize("fields, fragment", [
    ({"value": HUGE}, "quá lớn"),
    ({"value": "1" + "0" * 12}, "quá lớn"),  # 13 digits: numeric(16, 4) holds 12
    ({"value": "1,23456"}, "chữ số sau dấu phẩy"),  # numeric(16, 4) would round it silently
    ({"value": "1.5"}, "không phải là số"),  # 1,5 or 1.500? refused, not guessed
    ({"value": "\x00"}, "không phải là số"),
    ({"value": "1e5"}, "không phải là số"),
    ({"numerator": HUGE, "denominator": "1"}, "quá lớn"),
    ({"year": BIG_ID}, ""),
    ({"year": "\x00"}, ""),
    ({"year": "²"}, ""),
    ({"period": "xyz", "value": "1"}, ""),
    ({"value": "1", "correction_reason": "\x00"}, "NUL"),
    ({}, "Nhập giá trị"),
    ({"year": "", "value": ""}, ""),
], ids=lambda v: repr(v)[:40])
def test_the_figure_form_answers_bad_input_in_vietnamese(client, people, fields, fragment):
    client.force_login(people.officer)
    response = post_figure(client, jobs_target(), **fields)
    assert response.status_code == 200
    assert_told_in_vietnamese(response, fragment)
    assert not jobs_target().indicator.actuals.exists()


def test_a_long_correction_reason_and_a_bad_version_are_handled(client, people):
    client.force_login(people.officer)
    assert post_figure(client, jobs_target(), value="1.250", correction_reason=LONG).status_code == 302
    response = post_figure(client, jobs_target(), value="1.300", version="abc")
    assert_not_500(response)
    assert response.status_code == 200 and any("số" in m for m in errors_of(response)), errors_of(response)
    response = post_figure(client, jobs_target(), value="1.300", version=BIG_ID)
    assert response.status_code == 409  # an edit conflict: that version was never loaded


# ---------------------------------------------------------------------------------------------
# The task report form


def post_report(client, **fields):
    task = inherited_task()
    data = {"year": YEAR, "period": "nam", "progress": "in_progress", "percent_done": "50", "completed_on": "",
            "narrative": "Đang làm.", "version": "", "correction_reason": "", "action": "save"}
    data.update(fields)
    return client.post(report_url(task, YEAR), data)


@pytest.mark.parametrize("fields, fragment", [
    ({"percent_done": HUGE}, "0–100"),
    ({"percent_done": "-1"}, "0–100"),
    ({"percent_done": "1e5"}, "số nguyên"),
    ({"percent_done": "\x00"}, "số nguyên"),
    ({"narrative": "\x00"}, "NUL"),
    ({"narrative": ""}, "kết quả"),
    ({"completed_on": "31/02/2024"}, "dd/mm/yyyy"),
    ({"completed_on": "99/99/99999"}, "dd/mm/yyyy"),
    ({"completed_on": "\x00"}, "dd/mm/yyyy"),
    ({"progress": "\x00"}, ""),
    ({"progress": "completed", "percent_done": "100"}, "ngày hoàn thành"),
    ({"year": "", "progress": "", "percent_done": "", "narrative": ""}, ""),
], ids=lambda v: repr(v)[:40])
def test_the_task_report_form_answers_bad_input_in_vietnamese(client, people, fields, fragment):
    client.force_login(people.officer)
    response = post_report(client, **fields)
    assert response.status_code == 200
    assert_told_in_vietnamese(response, fragment)
    assert not TaskReport.objects.exists()


def test_a_100000_character_narrative_is_kept(client, people):
    client.force_login(people.officer)
    assert post_report(client, narrative=LONG).status_code == 302
    assert TaskReport.objects.get().narrative == LONG.strip()


# ---------------------------------------------------------------------------------------------
# Return comments and explanations


def submitted_figure(people):
    target = hg_target()
    actual = services.save_actual(user=people.officer, indicator=target.indicator, unit=target.territory, year=YEAR,
                                  value=2, target=target)
    return services.submit_actual(user=people.officer, actual=actual)


@pytest.mark.parametrize("comment, fragment", [("", "người nhập"), ("   ", "người nhập"), ("\x00", "NUL")],
                         ids=["empty", "blank", "nul"])
def test_a_return_without_a_usable_comment_is_refused_in_vietnamese(client, people, comment, fragment):
    actual = submitted_figure(people)
    client.force_login(people.reviewer)
    response = client.post(reverse("actual_return", args=[actual.pk]), {"review_comment": comment})
    assert response.status_code == 200
    assert_told_in_vietnamese(response)
    assert any(fragment in m or "lý do" in m.lower() for m in errors_of(response)), errors_of(response)
    actual.refresh_from_db()
    assert actual.status == "submitted"


def test_a_100000_character_return_comment_is_kept(client, people):
    actual = submitted_figure(people)
    client.force_login(people.reviewer)
    assert client.post(reverse("actual_return", args=[actual.pk]), {"review_comment": LONG}).status_code == 302
    actual.refresh_from_db()
    assert actual.review_comment.strip() == LONG.strip()


@pytest.mark.parametrize("fields, fragment", [
    ({"question": ""}, "giải trình"),
    ({"question": "\x00"}, "NUL"),
    ({"question": "Vì sao?", "due_on": "99/99/9999"}, "dd/mm/yyyy"),
    ({"question": "Vì sao?", "due_on": "\x00"}, "dd/mm/yyyy"),
    ({"question": "Vì sao?", "next": "không-phải-trang"}, ""),
    ({"question": "Vì sao?", "next": "https://ngoai.example/"}, ""),
], ids=lambda v: repr(v)[:40])
def test_explanation_requests_answer_bad_input_in_vietnamese(client, people, fields, fragment):
    client.force_login(people.leader)
    response = client.post(reverse("explanation_request_target", args=[hg_target().pk]), fields, follow=True)
    assert response.status_code == 200 and response.redirect_chain[0][0] == reverse("explanation_list")
    shown = [str(m) for m in response.context["messages"]]
    assert shown and all(vietnamese(m) for m in shown) and (not fragment or any(fragment in m for m in shown)), shown


def test_a_long_question_and_bad_answers(client, people):
    client.force_login(people.leader)
    client.post(reverse("explanation_request_target", args=[hg_target().pk]), {"question": LONG})
    request = ExplanationRequest.objects.get()
    assert request.question == LONG.strip()
    client.force_login(people.officer)
    for answer in ["\x00", "", LONG]:
        response = client.post(reverse("explanation_answer", args=[request.pk]), {"answer": answer}, follow=True)
        shown = [str(m) for m in response.context["messages"]]
        assert response.status_code == 200 and shown and all(vietnamese(m) for m in shown), shown
    request.refresh_from_db()
    assert request.answer == LONG.strip()


# ---------------------------------------------------------------------------------------------
# The household register


@pytest.fixture
def keeper(commune):
    return make_user("canbo.xa.bad", Role.OFFICER, (commune.code, AdminMap.CURRENT))


GOOD_HOUSEHOLD = {"head_name": "Nguyễn Văn A", "village": "Ấp 1", "area": "rural", "members": "3"}


@pytest.mark.parametrize("fields, fragment", [
    ({"head_name": LONG}, "200"),
    ({"head_name": "\x00"}, "NUL"),
    ({"head_name": "   "}, ""),
    ({"village": "\x00"}, "NUL"),
    ({"address": LONG}, "300"),
    ({"members": HUGE}, ""),
    ({"members": "0"}, ""),
    ({"members": "ba"}, ""),
    ({"phone": "²" * 10}, "chữ số"),
    ({"head_id_number": "١٢٣٤٥٦٧٨٩"}, "chữ số"),  # Arabic-Indic digits
    ({"legacy_commune": "abc"}, ""),
    ({"legacy_commune": BIG_ID}, ""),
    ({"legacy_commune": "\x00"}, ""),
    ({"area": "\x00"}, ""),
    ({"head_name": "", "village": "", "area": "", "members": ""}, ""),
], ids=lambda v: repr(v)[:40])
def test_the_household_form_answers_bad_input_in_vietnamese(client, commune, keeper, fields, fragment):
    client.force_login(keeper)
    response = client.post(reverse("household_create", args=[commune.pk]), {**GOOD_HOUSEHOLD, **fields})
    assert response.status_code == 200
    assert_told_in_vietnamese(response, fragment)
    assert not Household.objects.exists()


@pytest.mark.parametrize("fields, fragment", [
    ({"income": HUGE}, ""),
    ({"income": "3000000000"}, "quá lớn"),  # beyond the integer column
    ({"income": "-1"}, "không âm"),
    ({"income": "1,5"}, "nguyên"),
    ({"income": "\x00"}, "không phải là số"),
    ({"score_a": HUGE}, ""),
    ({"cause": "\x00", "income": "1"}, ""),
    ({"exit_plan": "\x00", "income": "1"}, "NUL"),
    ({"decision": LONG, "income": "1"}, "200"),
    ({"csrfmiddlewaretoken": "x"}, "điểm A"),  # nothing typed (a browser always sends its token)
], ids=lambda v: repr(v)[:40])
def test_the_review_form_answers_bad_input_in_vietnamese(client, commune, keeper, fields, fragment):
    client.force_login(keeper)
    client.post(reverse("household_create", args=[commune.pk]), GOOD_HOUSEHOLD)
    household = Household.objects.get()
    response = client.post(reverse("review_edit", args=[household.pk, 2025]), fields)
    assert response.status_code == 200
    assert_told_in_vietnamese(response, fragment)
    assert not household.reviews.exists()


def test_the_household_list_ignores_bad_filters(client, commune, keeper):
    client.force_login(keeper)
    client.post(reverse("household_create", args=[commune.pk]), GOOD_HOUSEHOLD)
    url = reverse("household_list", args=[commune.pk])
    for word in [*BAD_WORDS, SUPERSCRIPT, BIG_ID, "-1", "9" * 5000]:
        for name in ["q", "thon", "trang", "nam", "hang", "nguyen_nhan", "thieu_hut", "bien_dong"]:
            assert client.get(f"{url}?{name}={word}").status_code == 200, (name, word)
        assert client.get(f"{reverse('household_export', args=[commune.pk])}?nam={word}").status_code == 200
        assert client.get(f"{reverse('register_dashboard', args=[commune.pk])}?nam={word}").status_code == 200
    assert client.get(f"{url}?q={'a' * 100_000}").status_code == 200


def test_the_recompute_button_goes_back_only_to_a_page_of_this_site(client, people):
    client.force_login(people.admin)
    for nam, next_url in [(BIG_ID, "không-phải-trang"), ("²", "https://ngoai.example/"), ("\x00", "javascript:alert(1)"),
                          ("2025", "//ngoai.example/")]:
        response = client.post(reverse("register_recompute"), {"nam": nam, "next": next_url})
        assert response.status_code == 302 and response.url == reverse("register_home"), (nam, next_url)


# ---------------------------------------------------------------------------------------------
# Uploads: encodings, empty and broken files

VIETNAMESE_CSV = "Mã chỉ số,Tên chỉ số,Đơn vị tính,Chiều tốt,Cách tổng hợp,Mô tả\r\nGN01,Tỷ lệ hộ nghèo,%,Càng thấp càng tốt,Tỷ lệ,\r\n"
UPLOADS = {
    "windows-1258": VIETNAMESE_CSV.encode("cp1258", errors="replace"),
    "latin-1": "Mã chỉ số,Tên chỉ số\r\nGN01,Hộ\r\n".encode("latin-1", errors="replace"),
    "utf-16 with BOM": VIETNAMESE_CSV.encode("utf-16"),
    "utf-16-le without BOM": VIETNAMESE_CSV.encode("utf-16-le"),
    "utf-16-be without BOM": VIETNAMESE_CSV.encode("utf-16-be"),
    "invalid utf-8": VIETNAMESE_CSV.encode() + b"GN02,\xff\xfe\xc3(,%,x,y,\r\n",
    "truncated utf-8": VIETNAMESE_CSV.encode()[:-4] + "ộ".encode()[:2],
    "empty": b"",
    "only a BOM": codecs.BOM_UTF8,
    "only blank lines": b"\r\n\r\n\r\n",
    "NUL bytes": VIETNAMESE_CSV.encode().replace(b"GN01", b"GN\x0001"),
    "a NUL in the header": b"M\x00,a\r\n1,2\r\n",
    "header only": VIETNAMESE_CSV.split("\r\n")[0].encode(),
    "a 100.000-character cell": (VIETNAMESE_CSV + f"X01,{LONG},%,Càng thấp càng tốt,Tỷ lệ,\r\n").encode(),
    "a 400-digit number": "Mã chỉ số,Mã địa bàn,Bản đồ,Năm,Kỳ,Số kỳ,Giá trị,Tử số,Mẫu số,Trạng thái\r\n"
                          f"GN01,VN,,{HUGE},Cả năm,{HUGE},{HUGE},,,\r\n".encode(),
    "a 5000-digit year": "Mã chỉ số,Mã địa bàn,Bản đồ,Năm,Kỳ,Số kỳ,Giá trị,Tử số,Mẫu số,Trạng thái\r\n"
                         f"GN01,VN,,{'2' * 5000},Cả năm,²,1,,,\r\n".encode(),
    "an unclosed quote": (VIETNAMESE_CSV + 'X02,"Không đóng ngoặc,%,x,y,\r\n').encode(),
}
CSV_NAMES = {"a 400-digit number": "actuals.csv", "a 5000-digit year": "Số liệu thực hiện.csv"}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_a_workbook_csv_in_any_shape_is_refused_or_checked_with_a_vietnamese_message(client, people, case, settings,
                                                                                      tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people.admin)
    upload = SimpleUploadedFile(CSV_NAMES.get(case, "indicators.csv"), UPLOADS[case])
    response = client.post(reverse("import_upload"), {"files": [upload]})
    assert_not_500(response)
    if response.status_code == 400:  # refused as a whole, on the upload page
        refusal = response.context["refusal"]
        assert vietnamese(refusal), refusal
        if "utf" in case or "latin" in case or "1258" in case:
            assert "UTF-8" in refusal
        return
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert record.status in (ImportStatus.CHECKED, ImportStatus.FAILED)
    assert record.error_count or record.status == ImportStatus.FAILED or case == "header only"
    assert all(vietnamese(e["message"]) for e in record.errors), record.errors[:3]
    page = client.get(response.url)
    assert page.status_code == 200
    assert Indicator.objects.filter(code="X01").count() == 0  # checked, never written


@pytest.mark.parametrize("name, content", [
    ("ke-hoach.xlsx", b""),
    ("ke-hoach.xlsx", b"PK\x03\x04" + b"\x00" * 100),
    ("ke-hoach.xlsx", b"not a workbook at all"),
    ("ke-hoach.txt", b"GN01"),
    ("khong-ten-sheet.csv", b"a,b\r\n"),
    ("\x00.csv", b"a,b\r\n"),
], ids=["empty xlsx", "broken zip", "text named xlsx", "txt", "unknown sheet", "NUL file name"])
def test_broken_workbook_files_are_refused_in_vietnamese(client, people, name, content, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people.admin)
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile(name, content)]})
    assert response.status_code == 400 and vietnamese(response.context["refusal"]), response.context["refusal"]
    assert not ImportRecord.objects.exists()


def test_an_upload_without_a_file_is_refused_in_vietnamese(client, people):
    client.force_login(people.admin)
    response = client.post(reverse("import_upload"), {})
    assert response.status_code == 400 and vietnamese(response.context["refusal"])


REVIEW_HEADERS = "Mã hộ,Mã xã,Chủ hộ,Thôn, ấp, tổ dân phố,Năm rà soát,Thu nhập bình quân (đồng/người/tháng),Số nhân khẩu"


@pytest.mark.parametrize("case", list(UPLOADS))
def test_a_review_list_in_any_shape_is_refused_or_reported_in_vietnamese(client, commune, keeper, case):
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("danh-sach.csv", UPLOADS[case])})
    assert response.status_code == 200
    result = response.context["result"]
    form = response.context["form"]
    shown = [str(m) for messages in form.errors.values() for m in messages]
    shown += [e.message for e in result.errors] if result else []
    assert shown and all(vietnamese(m) for m in shown), shown
    if "utf" in case or "latin" in case or "1258" in case:
        assert any("UTF-8" in m for m in shown), shown
    assert not Household.objects.exists()


@pytest.mark.parametrize("row, fragment", [
    ("H-1,{commune},A,B,abc,1.000.000,3", "Năm rà soát"),
    (f"H-1,{{commune}},A,B,{BIG_ID},1.000.000,3", "Năm rà soát"),
    (f"H-1,{{commune}},A,B,2025,{HUGE},3", ""),
    ("H-1,\x00,A,B,2025,1.000.000,3", ""),
    ("H\x00-1,{commune},A,B,2025,1.000.000,3", ""),
    (f"H-1,{{commune}},{LONG},B,2025,1.000.000,3", "Chủ hộ"),
], ids=["year abc", "year 20 digits", "income 400 digits", "NUL commune", "NUL code", "long name"])
def test_review_list_rows_with_bad_cells_are_reported_in_vietnamese(client, commune, keeper, row, fragment):
    content = f"{REVIEW_HEADERS}\r\n{row.format(commune=commune.code)}\r\n".encode()
    content = content.replace(b"Th\xc3\xb4n, \xe1\xba\xa5p, t\xe1\xbb\x95 d\xc3\xa2n ph\xe1\xbb\x91",
                              '"Thôn, ấp, tổ dân phố"'.encode())
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert response.status_code == 200
    result, form = response.context["result"], response.context["form"]
    errors = [str(m) for messages in form.errors.values() for m in messages] + (
        [e.message for e in result.errors] if result else [])
    assert errors and all(vietnamese(m) for m in errors), errors
    assert not fragment or any(fragment in m for m in errors), errors
    assert not Household.objects.exists()


@pytest.mark.parametrize("name, content", [("ds.xlsx", b""), ("ds.xlsx", b"PK\x03\x04junk"), ("ds.txt", b"a"),
                                           ("ds.csv", b"")], ids=["empty xlsx", "broken xlsx", "txt", "empty csv"])
def test_broken_review_list_files_get_a_vietnamese_message(client, commune, keeper, name, content):
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    form = response.context["form"]
    result = response.context["result"]
    shown = [str(m) for messages in form.errors.values() for m in messages] + (
        [e.message for e in result.errors] if result else [])
    assert shown and all(vietnamese(m) for m in shown), shown


def test_an_empty_review_import_form_asks_for_a_file(client, commune, keeper):
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 200 and vietnamese(response.context["form"].errors["file"][0])

