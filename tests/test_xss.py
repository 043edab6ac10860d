"""Markup typed into any free-text field (or imported, or put in a query) is shown as text.

Each payload goes in through the page or import a person would use, and every page that shows it
must hold it escaped and never as a tag; charts embed it in JSON that cannot close the <script>.
"""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from households import services as register
from households.models import DeprivationIndicator, Household
from indicators import services
from indicators.models import Actual, Indicator
from plans.models import AdminMap, Agency, Document, Membership, Role
from review.models import ExplanationRequest, TaskReport
from tests.conftest import unit
from tests.test_reporting_pages import entry_url, hg_target, inherited_task, report_url

YEAR = 2024
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</script><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">bấm</a>',  # Plotly draws <a> in chart text: only http(s) links, in plotly.js
]
TAGS = ("<script>alert", "<img src=x", "<svg onload", "<a href=\"javascript")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def assert_shown_as_text(html: str, payload: str) -> None:
    """The payload is on the page, escaped; no tag of it and no javascript: link."""
    assert escape(payload) in html
    for tag in TAGS:
        assert tag not in html
    assert 'href="javascript:' not in html and "href='javascript:" not in html and 'src="javascript:' not in html


def assert_no_markup(html: str) -> None:
    for tag in TAGS:
        assert tag not in html
    assert 'href="javascript:' not in html


def make_user(username, role=None, unit_ref=("VN", ""), agency_code=None):
    """A user without a password hash (force_login only): the personas fixture hashes six."""
    user = get_user_model().objects.create(username=username)
    if role:
        Membership.objects.create(user=user, unit=unit(*unit_ref), role=role,
                                  agency=Agency.objects.get(code=agency_code) if agency_code else None)
    return user


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    return SimpleNamespace(
        officer=make_user("canbo.xss", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt"),
        reviewer=make_user("duyet.xss", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd"),
        leader=make_user("lanhdao.xss", Role.LEADER),
        admin=make_user("quantri.xss", Role.ADMIN),
    )


def approved_actual(people, value="2.5") -> Actual:
    target = hg_target()
    actual = services.save_actual(user=people.officer, indicator=target.indicator, unit=target.territory, year=YEAR,
                                  value=Decimal(value), target=target)
    actual = services.submit_actual(user=people.officer, actual=actual)
    return services.approve_actual(user=people.reviewer, actual=actual)


# ---------------------------------------------------------------------------------------------
# The reporting cycle


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_figure_typed_as_markup_comes_back_escaped_in_the_error(client, people, payload):
    client.force_login(people.officer)
    response = client.post(entry_url(hg_target()), {"year": YEAR, "value": payload, "numerator": "", "denominator": ""})
    html = page(response)
    assert response.context["form"].errors["value"]
    assert_shown_as_text(html, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_late_correction_reason_is_shown_as_text(client, people, payload):
    actual = approved_actual(people)
    client.force_login(people.officer)
    response = client.post(entry_url(hg_target()), {"year": YEAR, "value": "2,4", "numerator": "", "denominator": "",
                                                      "version": actual.version, "correction_reason": payload})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert_shown_as_text(page(client.get(reverse("actual_detail", args=[actual.pk]))), payload)
    client.force_login(people.reviewer)
    assert_shown_as_text(page(client.get(reverse("review_queue"))), payload)
    assert_shown_as_text(page(client.get(reverse("actual_detail", args=[actual.pk]))), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_return_comment_is_shown_as_text_to_the_officer(client, people, payload):
    target = hg_target()
    actual = services.submit_actual(user=people.officer, actual=services.save_actual(
        user=people.officer, indicator=target.indicator, unit=target.territory, year=YEAR, value=Decimal("2"), target=target))
    client.force_login(people.reviewer)
    assert client.post(reverse("actual_return", args=[actual.pk]), {"review_comment": payload}).status_code == 302
    client.force_login(people.officer)
    assert_shown_as_text(page(client.get(reverse("actual_detail", args=[actual.pk]))), payload)
    assert_shown_as_text(page(client.get(entry_url(target))), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_task_report_and_its_return_comment_are_shown_as_text(client, people, payload):
    task = inherited_task()
    client.force_login(people.officer)
    response = client.post(report_url(task, YEAR), {
        "year": YEAR, "progress": "in_progress", "percent_done": "50", "completed_on": "", "narrative": payload,
        "action": "submit", "version": "", "correction_reason": "",
    })
    assert response.status_code == 302
    report = TaskReport.objects.get(task=task)
    client.force_login(people.reviewer)
    assert_shown_as_text(page(client.get(reverse("task_report_detail", args=[report.pk]))), payload)
    assert client.post(reverse("task_report_return", args=[report.pk]), {"review_comment": payload}).status_code == 302
    client.force_login(people.officer)
    html = page(client.get(reverse("task_report_detail", args=[report.pk])))
    assert_shown_as_text(html, payload)
    assert html.count(escape(payload)) >= 2  # the narrative and the comment
    assert_shown_as_text(page(client.get(report_url(task, YEAR))), payload)  # the form, filled again


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_explanation_request_and_its_answer_are_shown_as_text(client, people, payload):
    target = hg_target()
    client.force_login(people.leader)
    response = client.post(reverse("explanation_request_target", args=[target.pk]),
                           {"question": payload, "due_on": "", "next": payload})
    assert response.status_code == 302 and not response.url.startswith(("javascript:", "//", "http"))  # stays here
    request = ExplanationRequest.objects.get()
    client.force_login(people.officer)
    assert_shown_as_text(page(client.get(reverse("explanation_list"))), payload)
    assert client.post(reverse("explanation_answer", args=[request.pk]), {"answer": payload}).status_code == 302
    client.force_login(people.leader)
    html = page(client.get(reverse("explanation_list")))
    assert html.count(escape(payload)) >= 2  # the question and the answer
    assert_shown_as_text(html, payload)


# ---------------------------------------------------------------------------------------------
# Names shown in pages and charts (imported by administrators)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_document_agency_and_unit_names_are_shown_as_text(client, people, payload):
    target = hg_target()
    document = target.document
    Document.objects.filter(pk=document.pk).update(title=payload, signer=payload, note=payload)
    Agency.objects.filter(pk=document.issuer_id).update(name=payload)
    client.force_login(people.leader)
    for url in [reverse("document_list"), document.get_absolute_url(), document.issuer.get_absolute_url(),
                reverse("home")]:
        assert_shown_as_text(page(client.get(url)), payload)
    assert_no_markup(page(client.get(target.territory.get_absolute_url())))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_in_the_plotly_charts_cannot_close_the_script(client, people, payload):
    """The target and comparison charts carry indicator and unit names in JSON inside a <script>."""
    target = hg_target()
    approved_actual(people)
    Indicator.objects.filter(pk=target.indicator_id).update(name=payload)
    type(target.territory).objects.filter(pk=target.territory_id).update(name=payload)
    client.force_login(people.leader)
    for url in [reverse("dashboard_target", args=[target.pk]) + f"?nam={YEAR}",
                reverse("dashboard_compare", args=[target.indicator_id]) + f"?nam={YEAR}&ban_do=63",
                reverse("dashboard") + f"?nam={YEAR}", reverse("dashboard_iptt", args=[target.document_id])]:
        html = page(client.get(url))
        assert_no_markup(html)
        assert "<" not in payload or payload not in html
        if "Plotly.newPlot" in html:
            script = html.split("Plotly.newPlot", 1)[1].split("</script>", 1)[0]
            as_json = json.dumps(payload)[1:-1]  # as plotly writes it, with <, > and / escaped
            assert as_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f") in script


# ---------------------------------------------------------------------------------------------
# Search boxes


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_document_search_echoes_the_query_as_text(client, people, payload):
    client.force_login(people.leader)
    html = page(client.get(reverse("document_list"), {"q": payload, "co_quan": payload, "cap": payload}))
    assert_shown_as_text(html, payload)


# ---------------------------------------------------------------------------------------------
# Imports: cell values in the preview


def _csv(headers, *rows) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_workbook_cells_in_the_preview_are_shown_as_text(client, people, payload, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = _csv(
        ["Mã chỉ số", "Tên chỉ số", "Đơn vị tính", "Chiều tốt", "Cách tổng hợp", "Mô tả"],
        ["GN01", payload, "%", "Càng thấp càng tốt", "Tỷ lệ", payload],  # a change: before → after
        ["X01", "Chỉ số mới", "%", payload, "Tỷ lệ", ""],  # an error quoting the cell
    )
    client.force_login(people.admin)
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile("indicators.csv", content)]})
    assert response.status_code == 302
    html = page(client.get(response.url))
    assert_shown_as_text(html, payload)
    assert html.count(escape(payload)) >= 2
    assert Indicator.objects.get(code="GN01").name != payload  # a preview writes nothing


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_uploaded_file_name_is_shown_as_text(client, people, payload, settings, tmp_path):
    from exchange.workbook.template import build_template

    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "mau.xlsx"
    build_template(path)
    name = payload.replace("/", "") + ".xlsx"  # a file name holds no slash
    client.force_login(people.admin)
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile(name, path.read_bytes())]})
    assert response.status_code == 302
    html = page(client.get(response.url))
    assert_no_markup(html)
    assert escape(name) in html


# ---------------------------------------------------------------------------------------------
# The household register


@pytest.fixture
def keeper(commune):
    return make_user("canbo.xa.xss", Role.OFFICER, (commune.code, AdminMap.CURRENT))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_household_names_addresses_and_review_notes_are_shown_as_text(client, commune, keeper, payload):
    client.force_login(keeper)
    response = client.post(reverse("household_create", args=[commune.pk]), {
        "head_name": payload, "village": payload, "address": payload, "area": "rural", "members": "3",
    })
    assert response.status_code == 302
    household = Household.objects.get()
    response = client.post(reverse("review_edit", args=[household.pk, 2025]), {
        "income": "1.000.000", "exit_plan": payload, "support": payload, "decision": payload[:200],
    })
    assert response.status_code == 302
    for url in [reverse("household_detail", args=[household.pk]), reverse("household_edit", args=[household.pk]),
                reverse("review_edit", args=[household.pk, 2025]), reverse("household_list", args=[commune.pk])]:
        assert_shown_as_text(page(client.get(url)), payload)
    html = page(client.get(reverse("household_list", args=[commune.pk]), {"q": payload, "thon": payload}))
    assert_no_markup(html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_review_list_import_errors_quote_cells_as_text(client, commune, keeper, payload):
    content = _csv(["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Năm rà soát",
                    "Thu nhập bình quân (đồng/người/tháng)", "Nguyên nhân nghèo"],
                   ["H-1", payload, "A", "B", "2025", "1.000.000", ""],
                   ["H-2", commune.code, "A", "B", "2025", payload, payload])
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    html = page(response)
    assert response.context["result"].errors
    assert_shown_as_text(html, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_deprivation_names_in_the_register_charts_stay_inside_their_json(client, commune, keeper, people, payload):
    """The register dashboard embeds its figures with json_script."""
    standard = register.standard_for(2025)
    for index in range(4):
        household = register.save_household(user=keeper, commune=commune, head_name=f"Hộ {index}", village="Ấp 1",
                                            area="rural", members=3)
        register.save_review(user=keeper, household=household, year=2025, income=500_000,
                             deprivations=list(standard.indicators.values_list("code", flat=True)[:2]))
    register.recompute_register(year=2025)
    DeprivationIndicator.objects.filter(standard=standard).update(name=payload)
    client.force_login(people.leader)
    html = page(client.get(reverse("register_dashboard", args=[commune.pk]), {"nam": 2025}))
    assert 'id="data-profile"' in html
    assert_no_markup(html)
    assert "<" not in payload or payload not in html
