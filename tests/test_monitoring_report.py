"""The periodic monitoring report (TT 10/2022 Mẫu số 01): the narrative written, submitted, returned,
fixed and approved in the app like a figure; who may not write or approve it; the .docx opened again
with python-docx (section headings, the target table equal to the approved figures, no figure
awaiting review, the narrative); the template an administrator replaces."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from docx import Document

from dashboards.overview import leader_dashboard
from dashboards.scope import Options
from indicators import services
from notifications.models import Kind, Notification
from plans.models import AdminMap
from reports import docx_report, narratives
from reports.models import MonitoringReport
from review.models import AuditEntry, ReviewStatus
from review.workflow import EditConflict
from tests.conftest import unit
from tests.test_provenance import hg_target

SECTIONS = {
    "general_situation": "Tình hình kinh tế – xã hội ổn định; công tác giảm nghèo được các cấp quan tâm.",
    "results_commentary": "Các chỉ tiêu về việc làm vượt kế hoạch năm.",
    "difficulties": "Nguồn vốn đối ứng của địa phương còn chậm.",
    "proposals": "Đề nghị Trung ương sớm phân bổ vốn sự nghiệp.",
}


def page(place, year=2026, ky="nam") -> str:
    return reverse("narrative_edit", args=[place.pk]) + f"?nam={year}&ky={ky}"


def review_url(place, year=2026, ky="nam") -> str:
    return reverse("narrative_review", args=[place.pk]) + f"?nam={year}&ky={ky}"


def stored(place, year=2026) -> MonitoringReport:
    return MonitoringReport.objects.get(unit=place, year=year, period_kind="year", period_number=0)


def test_officer_writes_and_submits_reviewer_returns_officer_fixes_and_reviewer_approves(client, personas):
    can_tho = unit("92", AdminMap.CURRENT)
    client.force_login(personas.officer_hg)
    response = client.get(page(can_tho))
    assert response.context["may_write"] and 'name="general_situation"' in response.content.decode()
    assert reverse("narrative_download", args=[can_tho.pk]) in response.content.decode()
    response = client.post(page(can_tho), {**SECTIONS, "version": 0, "gui": "1"})
    assert response.status_code == 302
    report = stored(can_tho)
    assert (report.status, report.version, report.created_by) == (ReviewStatus.SUBMITTED, 2, personas.officer_hg)
    assert report.general_situation == SECTIONS["general_situation"]

    client.force_login(personas.reviewer_hg)
    assert "Trả lại" in client.get(page(can_tho)).content.decode()
    client.post(review_url(can_tho), {"quyet_dinh": "tra_lai", "review_comment": "Bổ sung số liệu vốn.", "version": 2})
    report.refresh_from_db()
    assert (report.status, report.review_comment, report.version) == (ReviewStatus.RETURNED, "Bổ sung số liệu vốn.", 3)
    notice = Notification.objects.get(user=personas.officer_hg, kind=Kind.RETURNED)
    assert "Bổ sung số liệu vốn." in notice.body and notice.link == page(can_tho)
    assert can_tho.name in notice.title

    client.force_login(personas.officer_hg)
    fixed = {**SECTIONS, "difficulties": "Vốn đối ứng chậm: 12,5 tỷ đồng chưa bố trí."}
    assert client.post(page(can_tho), {**fixed, "version": 3, "gui": "1"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.difficulties) == (ReviewStatus.SUBMITTED, fixed["difficulties"])

    client.force_login(personas.reviewer_hg)
    client.post(review_url(can_tho), {"quyet_dinh": "duyet", "version": report.version})
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ReviewStatus.APPROVED, personas.reviewer_hg)
    assert Notification.objects.filter(user=personas.officer_hg, kind=Kind.APPROVED).count() == 1
    actions = list(AuditEntry.objects.filter(object_id=report.pk, content_type__model="monitoringreport")
                   .order_by("at", "id").values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "update", "submit", "approve"]


def test_who_may_not_write_or_approve(client, personas):
    can_tho = unit("92", AdminMap.CURRENT)
    for outsider in (personas.leader, personas.officer_hue, personas.reviewer_hg):
        with pytest.raises(PermissionDenied):
            narratives.save_narrative(user=outsider, unit=can_tho, year=2026, sections=SECTIONS)
    report = narratives.save_narrative(user=personas.officer_hg, unit=can_tho, year=2026, sections=SECTIONS)
    report = narratives.submit_narrative(user=personas.officer_hg, report=report)
    with pytest.raises(PermissionDenied):  # an officer has no review right, least of all on their own
        narratives.approve_narrative(user=personas.officer_hg, report=report)
    with pytest.raises(PermissionDenied):
        narratives.return_narrative(user=personas.officer_hue, report=report, comment="Không phải địa bàn của tôi.")
    with pytest.raises(PermissionDenied):
        narratives.approve_narrative(user=personas.leader, report=report)
    assert stored(can_tho).status == ReviewStatus.SUBMITTED
    # the leader reads the page but gets no form; another province's officer does not find it
    client.force_login(personas.leader)
    response = client.get(page(can_tho))
    assert response.status_code == 200 and not response.context["may_write"] and not response.context["can_review"]
    assert client.post(page(can_tho), {**SECTIONS, "version": report.version}).status_code == 403
    client.force_login(personas.officer_hue)
    assert client.get(page(can_tho)).status_code == 404
    assert client.get(reverse("narrative_download", args=[can_tho.pk]) + "?nam=2026").status_code == 404


def test_a_stale_version_is_refused_and_a_submitted_narrative_cannot_be_edited(personas):
    can_tho = unit("92", AdminMap.CURRENT)
    report = narratives.save_narrative(user=personas.officer_hg, unit=can_tho, year=2026, sections=SECTIONS)
    narratives.save_narrative(user=personas.officer_hg, unit=can_tho, year=2026, sections=SECTIONS,
                              expected_version=report.version)
    with pytest.raises(EditConflict):
        narratives.save_narrative(user=personas.officer_hg, unit=can_tho, year=2026, sections=SECTIONS,
                                  expected_version=report.version)
    assert stored(can_tho).version == report.version + 1


def approved_jobs_figure(personas) -> Decimal:
    """Hậu Giang (legacy 93), 2021: LD02 16.000 workers approved against a plan of 15.000 (II.2.a.3)."""
    actual = services.save_actual(user=personas.officer_hg, indicator=hg_target("II.2.a.3").indicator, unit=unit("93"),
                                  year=2021, value=Decimal("16000"))
    services.submit_actual(user=personas.officer_hg, actual=actual)
    services.approve_actual(user=personas.reviewer_hg, actual=actual)
    return actual.value


def docx_text(document: Document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_docx_has_the_sections_the_approved_figures_and_the_narrative_but_no_figure_awaiting_review(client, personas):
    hau_giang = unit("93")
    approved_jobs_figure(personas)
    rate = services.save_actual(user=personas.officer_hg, indicator=hg_target("II.2.a.1").indicator, unit=hau_giang,
                                year=2021, value=Decimal("7.77"))
    services.submit_actual(user=personas.officer_hg, actual=rate)  # awaiting review: not in the report
    narratives.save_narrative(user=personas.officer_hg, unit=hau_giang, year=2021, sections=SECTIONS)

    client.force_login(personas.officer_hg)
    response = client.get(reverse("narrative_download", args=[hau_giang.pk]) + "?nam=2021&ky=nam")
    assert response.status_code == 200 and response["Content-Type"] == docx_report.CONTENT_TYPE
    assert 'filename="bao-cao-giam-sat-93-2021-nam.docx"' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "I. TÌNH HÌNH CHUNG", "II. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU", "III. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ",
        "IV. KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2021", "V. KHÓ KHĂN, VƯỚNG MẮC", "VI. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    targets = document.tables[1]
    header = [c.text for c in targets.rows[0].cells]
    assert header[4:6] == ["Kế hoạch năm 2021", "Thực hiện năm 2021"]
    rows = {row.cells[1].text.split(" ")[0]: [c.text for c in row.cells] for row in targets.rows[1:]}
    assert rows["II.2.a.3"][4:6] == ["15.000", "16.000"]
    board = leader_dashboard(user=personas.officer_hg, unit=hau_giang, options=Options(year=2021))
    judged = {row.target.code: row for group in board.groups for row in group.rows if row.target.document.reference == "18/KH-UBND"}
    assert rows["II.2.a.3"][6] == judged["II.2.a.3"].evaluation.label == "Đúng tiến độ"  # as the dashboard judges it
    assert rows["II.2.a.3"][7].startswith(judged["II.2.a.3"].evaluation.explanation)
    assert rows["II.2.a.1"][5] == "—"
    text = docx_text(document)
    assert "7,77" not in text and "7.77" not in text
    for section in SECTIONS.values():
        assert section in text
    assert "Tỉnh Hậu Giang".upper() in text and "Phần lời: Nháp (phiên bản 1)." in text
    tasks = document.tables[2]
    assert [c.text for c in tasks.rows[0].cells][1:] == ["Quá hạn", "Chưa đến hạn", "Hoàn thành quá hạn", "Hoàn thành đúng hạn"]
    assert tasks.rows[-1].cells[0].text == "Tổng"


def test_a_template_given_in_the_settings_or_uploaded_by_an_administrator_replaces_the_shipped_one(
        client, personas, settings, tmp_path):
    custom = tmp_path / "mine.docx"
    document = Document()
    document.add_paragraph("Đơn vị: {{ unit_name }}, {{ period }}")
    document.save(str(custom))
    settings.REPORT_TEMPLATE_PATH = str(custom)
    assert docx_report.template_path() == custom
    client.force_login(personas.officer_hg)
    response = client.get(reverse("narrative_download", args=[unit("93").pk]) + "?nam=2021&ky=6t1")
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs == ["Đơn vị: Tỉnh Hậu Giang, 6 tháng đầu năm 2021"]

    settings.REPORT_TEMPLATE_PATH = None
    settings.MEDIA_ROOT = str(tmp_path)
    assert docx_report.template_path() == docx_report.SHIPPED_TEMPLATE
    (tmp_path / "report_templates").mkdir()
    (tmp_path / "report_templates" / "mau-01.docx").write_bytes(custom.read_bytes())
    assert docx_report.template_path() == tmp_path / "report_templates" / "mau-01.docx"


def test_period_codes_read_back():
    assert [narratives.parse_period(code) for code in ("nam", None, "6t2", "q4", "th12", "6t3", "q0", "x")] == [
        ("year", 0), ("year", 0), ("half", 2), ("quarter", 4), ("month", 12), None, None, None]
