"""The reporting pages: the whole review cycle through the browser, refusals on every write,
edit conflicts, Vietnamese messages on the fields, evidence downloads, explanation requests,
and a bounded number of queries."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from indicators import services
from indicators.models import Actual, Target
from plans.models import AdministrativeUnit, AdminMap, Role, Task
from review.models import AuditEntry, Evidence, ExplanationRequest, ReviewStatus, TaskReport
from tests.conftest import give_second_factor, make_user
from tests.sample_files import pdf_bytes, png_bytes

YEAR = 2024
PDF = pdf_bytes()


def hg_target(code: str = "II.2.a.1") -> Target:
    """Hậu Giang's targets (KH 18/KH-UBND): II.2.a.1 poverty rate (%), II.2.a.3 jobs (workers), 2021–2025."""
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code=code)


def inherited_task() -> Task:
    """IV.1 of KH 18: led by Hậu Giang's Sở LĐ-TB&XH, whose work passed to the Cần Thơ Sở NN&MT."""
    return Task.objects.select_related("lead_agency").get(document__issuer__code="hg-ubnd", number="IV.1")


def html(response) -> str:
    return response.content.decode()


def main(response) -> str:
    """The page's own content, without the header (CSRF token, current path)."""
    return html(response).split("<main>", 1)[1]


def login(client, user):
    client.force_login(user)
    return client


def entry_url(target: Target, year: int = YEAR) -> str:
    return f"{reverse('actual_entry', args=[target.pk])}?nam={year}"


def report_url(task: Task, year: int = YEAR, agency_code: str | None = None) -> str:
    return f"{reverse('task_report_entry', args=[task.pk])}?nam={year}&co_quan={agency_code or task.lead_agency.code}"


def post_actual(client, target, *, year=YEAR, action="save", version="", **fields):
    data = {"year": year, "value": "", "numerator": "", "denominator": "", "version": version, "action": action,
            "correction_reason": ""}
    data.update(fields)
    return client.post(entry_url(target, year), data)


def post_report(client, task, *, year=YEAR, action="save", version="", **fields):
    data = {"year": year, "progress": "in_progress", "percent_done": "60", "completed_on": "",
            "narrative": "Đã rà soát hộ nghèo ở 8 huyện.", "version": version, "action": action, "correction_reason": ""}
    data.update(fields)
    return client.post(report_url(task, year), data)


def draft_actual(user, target=None, value="2.5", year=YEAR) -> Actual:
    target = target or hg_target()
    return services.save_actual(user=user, indicator=target.indicator, unit=target.territory, year=year,
                                value=Decimal(value), target=target)


def submitted_actual(user, **kwargs) -> Actual:
    return services.submit_actual(user=user, actual=draft_actual(user, **kwargs))


def draft_report(user, task=None) -> TaskReport:
    task = task or inherited_task()
    return services.save_task_report(user=user, task=task, agency=task.lead_agency, year=YEAR, progress="in_progress",
                                     percent_done=40, narrative="Đang triển khai.")


def hidden_version(response) -> str:
    return re.search(r'name="version"(?: value="(\d*)")?', html(response)).group(1) or ""


def state() -> tuple:
    """Everything a refused request must leave untouched."""
    return (
        list(Actual.objects.order_by("pk").values_list("pk", "status", "value", "version")),
        list(TaskReport.objects.order_by("pk").values_list("pk", "status", "percent_done", "version")),
        list(ExplanationRequest.objects.order_by("pk").values_list("pk", "answer")),
        Evidence.objects.count(),
        AuditEntry.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# Anonymous users


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    target, task = hg_target(), inherited_task()
    for url in [reverse("my_work"), reverse("review_queue"), reverse("explanation_list"), entry_url(target),
                report_url(task), reverse("actual_detail", args=[1]), reverse("evidence_download", args=[1])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


# ---------------------------------------------------------------------------------------------
# The whole cycle through the pages


def test_the_whole_cycle_of_a_figure_through_the_pages(client, personas):
    officer, reviewer = personas.officer_hg, personas.reviewer_hg
    target = hg_target()

    login(client, officer)
    work = client.get(reverse("my_work"), {"nam": YEAR})
    assert work.status_code == 200
    assert entry_url(target) in html(work).replace("&amp;", "&")
    assert "Chưa nhập" in html(work)

    form = client.get(entry_url(target))
    assert form.status_code == 200 and "Lưu nháp" in html(form) and "Gửi duyệt" in html(form)
    saved = post_actual(client, target, value="2,5")
    actual = Actual.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("actual_detail", args=[actual.pk])
    assert (actual.status, actual.value, actual.unit) == (ReviewStatus.DRAFT, Decimal("2.5"), target.territory)

    submitted = client.post(reverse("actual_submit", args=[actual.pk]))
    assert submitted.status_code == 302
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.SUBMITTED
    # A submitted figure is locked until it is returned: the form has no save buttons.
    assert "Lưu nháp" not in html(client.get(entry_url(target)))

    login(client, reviewer)
    queue = client.get(reverse("review_queue"))
    assert reverse("actual_detail", args=[actual.pk]) in html(queue)
    detail = client.get(reverse("actual_detail", args=[actual.pk]))
    assert "Trả lại" in html(detail) and reverse("actual_approve", args=[actual.pk]) in html(detail)
    no_comment = client.post(reverse("actual_return", args=[actual.pk]), {"review_comment": "  "})
    assert no_comment.status_code == 200
    assert "Hãy ghi lý do trả lại để người nhập biết cần sửa gì." in html(no_comment)
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.SUBMITTED
    returned = client.post(reverse("actual_return", args=[actual.pk]), {"review_comment": "Thiếu số liệu huyện Long Mỹ"})
    assert returned.status_code == 302

    login(client, officer)
    detail = client.get(reverse("actual_detail", args=[actual.pk]))
    assert "Thiếu số liệu huyện Long Mỹ" in html(detail) and "Trả lại" in html(detail)
    form = client.get(entry_url(target))
    assert "Thiếu số liệu huyện Long Mỹ" in html(form)
    resubmitted = post_actual(client, target, value="2,41", version=hidden_version(form), action="submit")
    assert resubmitted.status_code == 302
    actual.refresh_from_db()
    assert (actual.status, actual.value) == (ReviewStatus.SUBMITTED, Decimal("2.41"))

    login(client, reviewer)
    assert client.post(reverse("actual_approve", args=[actual.pk])).status_code == 302
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.APPROVED and actual.reviewed_by == reviewer

    login(client, officer)
    form = client.get(entry_url(target))
    assert "Lý do sửa" in html(form)
    no_reason = post_actual(client, target, value="2,40", version=hidden_version(form), action="submit")
    assert no_reason.status_code == 200
    assert "Số liệu đã được duyệt: hãy ghi lý do sửa." in html(no_reason)
    late = post_actual(client, target, value="2,40", version=hidden_version(form), action="submit",
                       correction_reason="Cập nhật theo kết quả phúc tra")
    assert late.status_code == 302
    actual.refresh_from_db()
    assert (actual.status, actual.is_late_correction, actual.value) == (ReviewStatus.SUBMITTED, True, Decimal("2.40"))

    detail = html(client.get(reverse("actual_detail", args=[actual.pk])))
    assert "Sửa sau khi duyệt" in detail and "Cập nhật theo kết quả phúc tra" in detail
    # The audit trail, read-only: who, the actions in Vietnamese, before → after, the reason.
    for words in ["Tạo mới", "Gửi duyệt", "Trả lại", "Duyệt", "Sửa sau khi duyệt", "2,41 → 2,4", "canbo.hg", "duyet.hg"]:
        assert words in detail, words

    login(client, reviewer)
    queue = html(client.get(reverse("review_queue")))
    assert "Sửa sau khi duyệt" in queue and "Cập nhật theo kết quả phúc tra" in queue


def test_the_whole_cycle_of_a_task_report_inherited_from_a_predecessor_agency(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    officer, reviewer = personas.officer_hg, personas.reviewer_hg
    task = inherited_task()

    login(client, officer)
    work = html(client.get(reverse("my_work"), {"nam": YEAR}))
    assert f'id="task-{task.pk}"' in work and "kế thừa" in work
    assert report_url(task) in work.replace("&amp;", "&")

    form = client.get(report_url(task))
    assert form.status_code == 200 and task.lead_agency.name in html(form)
    incomplete = post_report(client, task, progress="completed", percent_done="90", completed_on="")
    assert "Nhiệm vụ đã hoàn thành cần ngày hoàn thành và 100%." in html(incomplete)
    bad_date = post_report(client, task, progress="completed", percent_done="100", completed_on="2024-12-31")
    assert "Nhập ngày dạng dd/mm/yyyy" in html(bad_date)
    saved = post_report(client, task, progress="completed", percent_done="100", completed_on="31/12/2024",
                        action="submit", evidence=[SimpleUploadedFile("bien-ban.pdf", PDF), SimpleUploadedFile("anh.png", png_bytes())])
    assert saved.status_code == 302, html(saved)
    report = TaskReport.objects.get()
    assert (report.status, report.agency, str(report.completed_on)) == (ReviewStatus.SUBMITTED, task.lead_agency, "2024-12-31")
    assert sorted(report.evidence.values_list("original_name", flat=True)) == ["anh.png", "bien-ban.pdf"]

    login(client, reviewer)
    assert reverse("task_report_detail", args=[report.pk]) in html(client.get(reverse("review_queue")))
    assert client.post(reverse("task_report_return", args=[report.pk]), {"review_comment": "Ghi rõ số hộ được hỗ trợ"}).status_code == 302

    login(client, officer)
    detail = html(client.get(reverse("task_report_detail", args=[report.pk])))
    assert "Ghi rõ số hộ được hỗ trợ" in detail and "31/12/2024" in detail
    form = client.get(report_url(task))
    assert post_report(client, task, progress="completed", percent_done="100", completed_on="31/12/2024",
                       narrative="Hỗ trợ 1.250 hộ.", version=hidden_version(form), action="submit").status_code == 302

    login(client, reviewer)
    assert client.post(reverse("task_report_approve", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == ReviewStatus.APPROVED

    login(client, officer)
    form = client.get(report_url(task))
    late = post_report(client, task, progress="completed", percent_done="100", completed_on="30/12/2024",
                       narrative="Hỗ trợ 1.250 hộ.", version=hidden_version(form), action="submit",
                       correction_reason="Sai ngày hoàn thành")
    assert late.status_code == 302
    detail = html(client.get(reverse("task_report_detail", args=[report.pk])))
    assert "Sửa sau khi duyệt" in detail and "Sai ngày hoàn thành" in detail and "31/12/2024 → 30/12/2024" in detail


# ---------------------------------------------------------------------------------------------
# Refusals: every write endpoint, for users out of scope or of the wrong role; nothing changes


@pytest.fixture
def records(personas, settings, tmp_path):
    """A submitted Hậu Giang figure, a submitted task report and an open explanation request."""
    settings.MEDIA_ROOT = tmp_path
    actual = submitted_actual(personas.officer_hg)
    report = services.submit_task_report(user=personas.officer_hg, report=draft_report(personas.officer_hg))
    question = services.request_explanation(user=personas.leader, target=hg_target(), question="Vì sao chậm?")
    evidence = services.attach_evidence(user=personas.officer_hg, upload=SimpleUploadedFile("bb.pdf", PDF), actual=actual)
    return {"actual": actual, "report": report, "question": question, "evidence": evidence}


def write_requests(records):
    target, task = hg_target(), inherited_task()
    actual, report, question = records["actual"], records["report"], records["question"]
    return {
        "enter_actual": (entry_url(target), {"year": YEAR, "value": "3", "action": "submit", "version": "0"}),
        "submit_actual": (reverse("actual_submit", args=[actual.pk]), {}),
        "approve_actual": (reverse("actual_approve", args=[actual.pk]), {}),
        "return_actual": (reverse("actual_return", args=[actual.pk]), {"review_comment": "Sai"}),
        "enter_report": (report_url(task), {"year": YEAR, "progress": "in_progress", "percent_done": "50",
                                            "narrative": "x", "action": "submit", "version": "0"}),
        "submit_report": (reverse("task_report_submit", args=[report.pk]), {}),
        "approve_report": (reverse("task_report_approve", args=[report.pk]), {}),
        "return_report": (reverse("task_report_return", args=[report.pk]), {"review_comment": "Sai"}),
        "ask_target": (reverse("explanation_request_target", args=[target.pk]), {"question": "Vì sao?"}),
        "ask_task": (reverse("explanation_request_task", args=[task.pk]), {"question": "Vì sao?"}),
        "answer": (reverse("explanation_answer", args=[question.pk]), {"answer": "Do thiên tai."}),
    }


REFUSALS = [
    # Another province's officer and a user without any role see nothing of Hậu Giang: 404.
    *[(endpoint, who, 404) for who in ("officer_hue", "outsider") for endpoint in (
        "enter_actual", "submit_actual", "approve_actual", "return_actual", "enter_report", "submit_report",
        "approve_report", "return_report", "ask_target", "ask_task", "answer")],
    # The leader sees everything but enters, reviews and answers nothing.
    *[(endpoint, "leader", 403) for endpoint in (
        "enter_actual", "submit_actual", "approve_actual", "return_actual", "enter_report", "submit_report",
        "approve_report", "return_report", "answer")],
    # The officer does not review or ask; the reviewer does not enter, ask or answer.
    *[(endpoint, "officer_hg", 403) for endpoint in ("approve_actual", "return_actual", "approve_report", "return_report", "ask_target", "ask_task")],
    *[(endpoint, "reviewer_hg", 403) for endpoint in ("enter_actual", "submit_actual", "enter_report", "submit_report", "ask_target", "ask_task", "answer")],
]


@pytest.mark.parametrize("endpoint, who, status", REFUSALS)
def test_every_write_is_refused_out_of_scope_or_role_and_changes_nothing(client, personas, records, endpoint, who, status):
    url, data = write_requests(records)[endpoint]
    before = state()
    login(client, getattr(personas, who))
    response = client.post(url, data)
    assert response.status_code == status, html(response)[:500]
    assert state() == before
    page = html(response)
    if status == 403:
        assert "Không có quyền" in page
    else:
        assert "Không tìm thấy trang" in page
    assert "povertyplan" in page  # the error pages extend base.html


def test_the_entry_forms_are_refused_to_those_who_may_not_enter(client, personas):
    target, task = hg_target(), inherited_task()
    for who, status in [("leader", 403), ("reviewer_hg", 403), ("officer_hue", 404), ("outsider", 404)]:
        login(client, getattr(personas, who))
        assert client.get(entry_url(target)).status_code == status, who
        assert client.get(report_url(task)).status_code == status, who


def test_an_officer_of_another_agency_of_the_same_province_sees_no_task_report_of_this_agency(client, personas):
    report = draft_report(personas.officer_hg)
    colleague = make_user("canbo.mttq", Role.OFFICER, ("92", "34"), "hg-mttq-doan-the-cac-cap")
    login(client, colleague)
    assert client.get(reverse("task_report_detail", args=[report.pk])).status_code == 404
    assert client.get(report_url(inherited_task())).status_code == 403
    login(client, personas.reviewer_hg)
    assert client.get(reverse("task_report_detail", args=[report.pk])).status_code == 200


def test_guessing_the_id_of_a_hau_giang_draft_reveals_nothing(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actual = draft_actual(personas.officer_hg)
    evidence = services.attach_evidence(user=personas.officer_hg, upload=SimpleUploadedFile("mat.pdf", PDF), actual=actual)
    login(client, personas.officer_hue)
    detail = client.get(reverse("actual_detail", args=[actual.pk]))
    missing = client.get(reverse("actual_detail", args=[actual.pk + 1000]))
    assert detail.status_code == missing.status_code == 404
    assert main(detail) == main(missing)
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 404
    assert "2,5" not in html(detail) and "mat.pdf" not in html(detail)


# ---------------------------------------------------------------------------------------------
# Evidence


def test_evidence_is_downloaded_as_an_attachment_with_its_original_name_by_those_in_scope(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    target = hg_target()
    login(client, personas.officer_hg)
    post_actual(client, target, value="2,5", evidence=SimpleUploadedFile("Biên bản rà soát.pdf", PDF))
    evidence = Evidence.objects.get()
    detail = html(client.get(reverse("actual_detail", args=[evidence.actual_id])))
    assert reverse("evidence_download", args=[evidence.pk]) in detail and "Biên bản rà soát.pdf" in detail
    for user in (personas.officer_hg, personas.reviewer_hg, personas.leader):
        login(client, user)
        response = client.get(reverse("evidence_download", args=[evidence.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Bi%C3%AAn%20b%E1%BA%A3n%20r%C3%A0%20so%C3%A1t.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == PDF
    login(client, personas.outsider)
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Edit conflicts


def test_the_second_of_two_concurrent_saves_shows_both_values_and_keeps_what_was_typed(client, personas):
    target = hg_target()
    draft_actual(personas.officer_hg, value="2.5")
    colleague = make_user("canbo.hg2", Role.OFFICER, ("92", "34"), "ct-so-nnmt")
    colleague.first_name = "Nguyễn Văn B"
    colleague.save()

    login(client, personas.officer_hg)
    opened_version = hidden_version(client.get(entry_url(target)))
    other = login(type(client)(), colleague)
    assert post_actual(other, target, value="2,6", version=opened_version).status_code == 302

    response = post_actual(client, target, value="2,7", version=opened_version)
    assert response.status_code == 409
    page = html(response)
    assert "Giá trị bạn nhập" in page and "2,7%" in page
    assert "Giá trị đã lưu bởi Nguyễn Văn B lúc" in page and "2,6%" in page
    assert 'name="value" value="2,7"' in page  # nothing typed is lost
    stored = Actual.objects.get()
    assert stored.value == Decimal("2.6")
    assert hidden_version(response) == str(stored.version)

    # Knowing what was stored, the user chooses to save theirs again.
    again = post_actual(client, target, value="2,7", version=hidden_version(response))
    assert again.status_code == 302
    stored.refresh_from_db()
    assert stored.value == Decimal("2.7")


def test_two_users_entering_the_first_figure_at_once_do_not_overwrite_each_other(client, personas):
    target = hg_target()
    colleague = make_user("canbo.hg2", Role.OFFICER, ("92", "34"), "ct-so-nnmt")
    login(client, personas.officer_hg)
    assert hidden_version(client.get(entry_url(target))) == ""
    other = login(type(client)(), colleague)
    assert post_actual(other, target, value="2,6").status_code == 302
    response = post_actual(client, target, value="2,7")
    assert response.status_code == 409 and "Giá trị đã lưu bởi canbo.hg2" in html(response)
    assert Actual.objects.get().value == Decimal("2.6")


def test_a_task_report_conflict_keeps_the_typed_narrative(client, personas):
    task = inherited_task()
    login(client, personas.officer_hg)
    post_report(client, task, narrative="Bản đầu")
    opened = hidden_version(client.get(report_url(task)))
    post_report(client, task, narrative="Bản của đồng nghiệp", version=opened)
    response = post_report(client, task, narrative="Bản của tôi", version=opened)
    assert response.status_code == 409
    page = html(response)
    assert "Bản của tôi" in page and "Bản của đồng nghiệp" in page and "Giá trị đã lưu bởi" in page
    assert TaskReport.objects.get().narrative == "Bản của đồng nghiệp"


# ---------------------------------------------------------------------------------------------
# Bad input: each message on the page, on its field, and nothing saved


@pytest.mark.parametrize(
    "code, year, fields, field, message",
    [
        ("II.2.a.1", YEAR, {"value": "120"}, "value", "Tỷ lệ phải nằm trong khoảng 0–100%."),
        ("II.2.a.3", YEAR, {"value": "-5"}, "value", "Số lượng phải là số nguyên không âm (ví dụ 1.250)."),
        ("II.2.a.3", YEAR, {"value": "12,5"}, "value", "Số lượng phải là số nguyên không âm (ví dụ 1.250)."),
        ("II.2.a.1", YEAR, {"numerator": "30", "denominator": "20"}, "numerator", "Tử số không được lớn hơn mẫu số."),
        ("II.2.a.1", YEAR, {"numerator": "3"}, "denominator", "Nhập cả tử số và mẫu số, hoặc chỉ nhập giá trị."),
        ("II.2.a.1", YEAR, {}, "value", "Nhập giá trị, hoặc tử số và mẫu số."),
        ("II.2.a.1", 2027, {"value": "2"}, "year", "Năm 2027 nằm ngoài thời hạn của chỉ tiêu (2021–2025)."),
        ("II.2.a.1", YEAR, {"value": "1.5"}, "value", "“1.5” không phải là số (viết 1.500.000 hoặc 1,84)."),
        ("II.2.a.1", YEAR, {"value": "2", "numerator": "1", "denominator": "50"}, "value", "không nhập cả hai"),
    ],
)
def test_bad_figures_show_their_vietnamese_message_on_the_field(client, personas, code, year, fields, field, message):
    login(client, personas.officer_hg)
    response = post_actual(client, hg_target(code), year=year, **fields)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert message.replace("“", "").replace("”", "") in html(response).replace("“", "").replace("”", "")
    assert not Actual.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: SimpleUploadedFile("lon.pdf", PDF + b"0" * services.MAX_EVIDENCE_BYTES), "quá lớn"),
        (lambda: SimpleUploadedFile("bao-cao.exe", b"MZ...."), "chỉ nhận PDF, Word, Excel, JPEG hoặc PNG"),
        (lambda: SimpleUploadedFile("gia.pdf", b"not a pdf at all"), "không đúng định dạng PDF"),
    ],
)
def test_bad_evidence_files_show_their_message_and_nothing_is_saved(client, personas, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    login(client, personas.officer_hg)
    response = post_actual(client, hg_target(), value="2,5", evidence=upload())
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["evidence"])
    assert message in html(response)
    assert not Actual.objects.exists() and not Evidence.objects.exists()
    task_response = post_report(client, inherited_task(), evidence=upload())
    assert message in html(task_response) and not TaskReport.objects.exists()


def test_a_bad_percent_on_a_task_report_is_shown_on_its_field(client, personas):
    login(client, personas.officer_hg)
    response = post_report(client, inherited_task(), percent_done="150")
    assert "Phần trăm hoàn thành phải trong khoảng 0–100." in response.context["form"].errors["percent_done"][0]
    empty = post_report(client, inherited_task(), narrative="  ")
    assert "Hãy mô tả kết quả thực hiện." in empty.context["form"].errors["narrative"][0]
    assert not TaskReport.objects.exists()


# ---------------------------------------------------------------------------------------------
# Explanation requests


def test_a_leader_asks_from_my_work_and_the_officer_answers_inline(client, personas):
    target, task = hg_target(), inherited_task()
    login(client, personas.leader)
    work = html(client.get(reverse("my_work"), {"nam": YEAR}))
    assert reverse("explanation_request_target", args=[target.pk]) in work
    assert reverse("explanation_request_task", args=[task.pk]) in work
    asked = client.post(reverse("explanation_request_target", args=[target.pk]),
                        {"question": "Vì sao tỷ lệ hộ nghèo giảm chậm?", "due_on": "15/01/2025",
                         "next": reverse("my_work") + "?nam=2024"})
    assert asked.status_code == 302 and asked.url == reverse("my_work") + "?nam=2024"
    client.post(reverse("explanation_request_task", args=[task.pk]), {"question": "Nhiệm vụ IV.1 đến đâu?"})
    empty = client.post(reverse("explanation_request_task", args=[task.pk]), {"question": " "}, follow=True)
    assert "Hãy nêu nội dung cần giải trình." in html(empty)
    assert ExplanationRequest.objects.count() == 2

    login(client, personas.officer_hg)
    page = html(client.get(reverse("explanation_list")))
    assert "Vì sao tỷ lệ hộ nghèo giảm chậm?" in page and "15/01/2025" in page and "Nhiệm vụ IV.1 đến đâu?" in page
    target_request = ExplanationRequest.objects.get(target=target)
    assert reverse("explanation_answer", args=[target_request.pk]) in page
    answered = client.post(reverse("explanation_answer", args=[target_request.pk]), {"answer": "Do thiên tai năm 2024."})
    assert answered.status_code == 302
    target_request.refresh_from_db()
    assert target_request.is_answered and target_request.answered_by == personas.officer_hg

    # Both stay on the record, open ones first; the answered one cannot be answered twice.
    page = html(client.get(reverse("explanation_list")))
    assert page.index("Nhiệm vụ IV.1 đến đâu?") < page.index("Vì sao tỷ lệ hộ nghèo giảm chậm?")
    assert "Do thiên tai năm 2024." in page
    assert reverse("explanation_answer", args=[target_request.pk]) not in page
    login(client, personas.leader)
    assert "Do thiên tai năm 2024." in html(client.get(reverse("explanation_list")))
    login(client, personas.officer_hue)
    assert "Vì sao tỷ lệ hộ nghèo giảm chậm?" not in html(client.get(reverse("explanation_list")))


def test_the_figure_page_offers_the_leader_an_explanation_request_on_its_target(client, personas):
    actual = draft_actual(personas.officer_hg)
    login(client, personas.leader)
    page = html(client.get(reverse("actual_detail", args=[actual.pk])))
    assert reverse("explanation_request_target", args=[hg_target().pk]) in page
    login(client, personas.officer_hg)
    assert reverse("explanation_request_target", args=[hg_target().pk]) not in html(client.get(reverse("actual_detail", args=[actual.pk])))


# ---------------------------------------------------------------------------------------------
# Half-year periods


def test_a_first_half_figure_and_a_yearly_one_are_kept_separately(client, personas):
    officer, target = personas.officer_hg, hg_target()
    login(client, officer)
    half_form = client.get(entry_url(target) + "&ky=6t1")
    assert half_form.status_code == 200 and "6 tháng đầu năm 2024" in html(half_form)
    half = client.post(entry_url(target) + "&ky=6t1", {"year": YEAR, "period": "6t1", "value": "2,7", "numerator": "",
                                                       "denominator": "", "version": "", "action": "save",
                                                       "correction_reason": ""})
    assert half.status_code == 302
    assert post_actual(client, target, value="2,5").status_code == 302

    kept = {(a.period_kind, a.period_number): a for a in Actual.objects.filter(unit=target.territory, year=YEAR)}
    assert {key: a.value for key, a in kept.items()} == {("half", 1): Decimal("2.7"), ("year", 0): Decimal("2.5")}
    assert all(a.indicator_id == target.indicator_id for a in kept.values())
    detail = client.get(reverse("actual_detail", args=[kept[("half", 1)].pk]))
    assert "6 tháng 1/2024" in html(detail)
    assert "ky=6t1" in html(detail)
    # Each form shows its own period's figure.
    assert 'value="2,7"' in html(client.get(entry_url(target) + "&ky=6t1"))
    assert 'value="2,5"' in html(client.get(entry_url(target)))

    services.submit_actual(user=officer, actual=kept[("half", 1)])
    login(client, personas.reviewer_hg)
    assert "6 tháng 1/2024" in html(client.get(reverse("review_queue")))


def test_my_work_shows_the_status_of_the_chosen_half_year(client, personas):
    officer, target, task = personas.officer_hg, hg_target(), inherited_task()
    services.save_actual(user=officer, indicator=target.indicator, unit=target.territory, year=YEAR,
                         period_kind="half", period_number=1, value=Decimal("2.7"), target=target)
    services.save_task_report(user=officer, task=task, agency=task.lead_agency, year=YEAR, period_kind="half",
                              period_number=1, progress="in_progress", percent_done=35, narrative="Nửa năm.")
    login(client, officer)

    half = client.get(reverse("my_work"), {"nam": YEAR, "ky": "6t1"})
    assert half.status_code == 200
    row = next(r for r in half.context["target_rows"] if r.target.pk == target.pk)
    assert row.actual is not None and (row.actual.period_kind, row.actual.period_number) == ("half", 1)
    slot = half.context["task_rows"][0].slots[0]
    assert slot.report is not None and slot.report.percent_done == 35
    page = html(half)
    assert "6 tháng đầu năm 2024" in page and "2,7%" in page and "35%" in page
    assert '<option value="6t1" selected>' in page
    assert f"{entry_url(target)}&ky=6t1" in page.replace("&amp;", "&")

    yearly = client.get(reverse("my_work"), {"nam": YEAR})
    assert all(r.actual is None for r in yearly.context["target_rows"])
    assert yearly.context["task_rows"][0].slots[0].report is None
    second = client.get(reverse("my_work"), {"nam": YEAR, "ky": "6t2"})
    assert all(r.actual is None for r in second.context["target_rows"])


def test_an_invalid_period_falls_back_to_the_whole_year(client, personas):
    target = hg_target()
    draft_actual(personas.officer_hg, target=target, value="2.5")
    login(client, personas.officer_hg)
    work = client.get(reverse("my_work"), {"nam": YEAR, "ky": "6t9"})
    assert work.status_code == 200 and work.context["period"].code == "nam"
    assert '<option value="nam" selected>' in html(work)
    assert next(r for r in work.context["target_rows"] if r.target.pk == target.pk).actual.period_kind == "year"
    form = client.get(entry_url(target) + "&ky=bogus")
    assert form.status_code == 200 and form.context["period"].code == "nam" and 'value="2,5"' in html(form)


# ---------------------------------------------------------------------------------------------
# Bounded queries


def test_my_work_runs_a_bounded_number_of_queries_however_many_rows(client, personas, django_assert_max_num_queries):
    login(client, personas.officer_hg)
    with django_assert_max_num_queries(29):  # + the bell, the roles and the obligations due
        small = client.get(reverse("my_work"), {"nam": YEAR})
    assert len(small.context["target_rows"]) == 4 and len(small.context["task_rows"]) == 1

    task = inherited_task()
    for number in range(8):
        extra = Task.objects.create(document=task.document, number=f"IV.9.{number}", position=900 + number,
                                    title=f"Nhiệm vụ thêm {number}", lead_agency=task.lead_agency)
        extra.coordinating_agencies.set(task.coordinating_agencies.all())
        draft_report(personas.officer_hg, task=extra)
    for code in ("II.2.a.1", "II.2.a.2", "II.2.a.3", "II.2.a.4"):
        submitted_actual(personas.officer_hg, target=hg_target(code), value="3")
    services.request_explanation(user=personas.leader, target=hg_target(), question="?")
    login(client, personas.officer_hg)
    with django_assert_max_num_queries(29):
        big = client.get(reverse("my_work"), {"nam": YEAR})
    assert len(big.context["task_rows"]) == 9
    assert all(row.actual for row in big.context["target_rows"])
    login(client, personas.leader)
    with django_assert_max_num_queries(29):
        assert client.get(reverse("my_work"), {"nam": YEAR}).status_code == 200


def test_the_review_queue_runs_a_bounded_number_of_queries_and_puts_the_oldest_first(client, personas, django_assert_max_num_queries):
    codes = ("II.2.a.3", "II.2.a.1", "II.2.a.2", "II.2.a.4")
    for code in codes:
        submitted_actual(personas.officer_hg, target=hg_target(code), value="3")
    report = services.submit_task_report(user=personas.officer_hg, report=draft_report(personas.officer_hg))
    task = inherited_task()
    for number in range(5):
        extra = Task.objects.create(document=task.document, number=f"IV.8.{number}", position=800 + number,
                                    lead_agency=task.lead_agency, title="Thêm")
        services.submit_task_report(user=personas.officer_hg, report=draft_report(personas.officer_hg, task=extra))
    submitted_actual(personas.officer_hue, target=Target.objects.get(document__territory__code="46", code="2.1.1"), value="3")

    login(client, personas.reviewer_hg)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("review_queue"))
    items = response.context["items"]
    assert len(items) == 4 + 1 + 5  # not Huế's figure
    assert [item.submitted_at for item in items] == sorted(item.submitted_at for item in items)
    assert items[0].record.indicator.code == "LD02"
    assert reverse("task_report_detail", args=[report.pk]) in html(response)
    login(client, personas.officer_hg)
    assert client.get(reverse("review_queue")).context["items"] == []


# ---------------------------------------------------------------------------------------------
# The demo users walk the cycle by hand


def test_the_demo_officer_enters_and_the_demo_reviewer_approves(client, db):
    call_command("create_demo_users", force=True, stdout=open("/dev/null", "w"))
    target = hg_target("II.2.b.3")  # LD01, 2026–2030

    assert client.post(reverse("login"), {"username": "canbo.haugiang", "password": "povertyplan-demo"}).status_code == 302
    give_second_factor(client, "canbo.haugiang")  # the demo's authenticator key (create_demo_users)
    work = html(client.get(reverse("my_work"), {"nam": 2026}))
    # Hậu Giang merged into Cần Thơ on 1/7/2025: its 2026 figures are Cần Thơ's (indicators.closures).
    can_tho = AdministrativeUnit.objects.get(code="92", admin_map=AdminMap.CURRENT)
    successor_entry = f"{entry_url(target, 2026)}&ky=nam&don_vi={can_tho.pk}"
    assert successor_entry in work.replace("&amp;", "&")
    data = {"year": 2026, "value": "55,5", "numerator": "", "denominator": "", "version": "", "action": "submit"}
    assert client.post(successor_entry, data).status_code == 302
    actual = Actual.objects.get()
    assert (actual.unit, actual.status) == (can_tho, ReviewStatus.SUBMITTED)
    client.post(reverse("logout"))

    assert client.post(reverse("login"), {"username": "duyet.haugiang", "password": "povertyplan-demo"}).status_code == 302
    give_second_factor(client, "duyet.haugiang")  # the demo's authenticator key (create_demo_users)
    queue = html(client.get(reverse("review_queue")))
    assert reverse("actual_detail", args=[actual.pk]) in queue and "55,5%" in queue
    assert client.post(reverse("actual_approve", args=[actual.pk])).status_code == 302
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.APPROVED
    client.post(reverse("logout"))

    assert client.post(reverse("login"), {"username": "canbo.hue", "password": "povertyplan-demo"}).status_code == 302
    give_second_factor(client, "canbo.hue")
    assert client.get(reverse("actual_detail", args=[actual.pk])).status_code == 404


def test_pages_are_vietnamese(client, personas):
    login(client, personas.officer_hg)
    for url in [reverse("my_work"), reverse("review_queue"), reverse("explanation_list"), entry_url(hg_target()), report_url(inherited_task())]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "vi"
        assert "Việc của tôi" in html(response)
