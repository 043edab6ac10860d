"""Reporting rules at the service level: the review cycle, scope, conflicts, audit, bad input."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators import services
from indicators.models import Actual, Indicator, Target
from plans import access
from plans.models import AgencySuccession, Task
from review.models import ReviewStatus
from review.workflow import EditConflict, audit_trail
from tests.conftest import unit
from tests.sample_files import pdf_bytes

HAU_GIANG = ("93", "63")
HUE = ("46", "63")


@pytest.fixture
def poverty_rate(db):
    return Indicator.objects.get(code="GN01")


def enter(user, indicator, unit_ref=HAU_GIANG, year=2023, **figures):
    figures.setdefault("value", Decimal("2.5"))
    return services.save_actual(user=user, indicator=indicator, unit=unit(*unit_ref), year=year, **figures)


def test_the_whole_cycle_submit_return_resubmit_approve_late_correction(personas, poverty_rate):
    officer, reviewer = personas.officer_hg, personas.reviewer_hg
    actual = enter(officer, poverty_rate)
    assert actual.status == ReviewStatus.DRAFT

    services.submit_actual(user=officer, actual=actual)
    with pytest.raises(ValidationError, match="lý do trả lại"):
        services.return_actual(user=reviewer, actual=actual, comment="  ")
    returned = services.return_actual(user=reviewer, actual=actual, comment="Thiếu số liệu huyện Long Mỹ")
    assert (returned.status, returned.review_comment) == (ReviewStatus.RETURNED, "Thiếu số liệu huyện Long Mỹ")

    corrected = enter(officer, poverty_rate, value=Decimal("2.41"), expected_version=returned.version)
    services.submit_actual(user=officer, actual=corrected)
    approved = services.approve_actual(user=reviewer, actual=corrected)
    assert approved.status == ReviewStatus.APPROVED and approved.reviewed_by == reviewer

    with pytest.raises(ValidationError, match="lý do sửa"):
        enter(officer, poverty_rate, value=Decimal("2.40"), expected_version=approved.version)
    late = enter(officer, poverty_rate, value=Decimal("2.40"), expected_version=approved.version,
                 correction_reason="Cập nhật theo kết quả phúc tra")
    assert (late.status, late.is_late_correction, late.value) == (ReviewStatus.SUBMITTED, True, Decimal("2.40"))

    actions = [entry.action for entry in audit_trail(late).order_by("at", "id")]
    assert actions == ["create", "submit", "return", "update", "submit", "approve", "late_correction"]
    last = audit_trail(late).first()
    assert (last.before["value"], last.after["value"], last.reason) == ("2.4100", "2.40", "Cập nhật theo kết quả phúc tra")
    assert last.user == officer


def test_an_approved_figure_cannot_be_edited_without_a_reason_and_a_submitted_one_not_at_all(personas, poverty_rate):
    actual = enter(personas.officer_hg, poverty_rate)
    submitted = services.submit_actual(user=personas.officer_hg, actual=actual)
    with pytest.raises(ValidationError, match="chờ duyệt"):
        enter(personas.officer_hg, poverty_rate, value=Decimal("3"), expected_version=submitted.version)


@pytest.mark.parametrize("who", ["officer_hue", "leader", "reviewer_hg", "outsider"])
def test_entering_a_hau_giang_figure_is_refused_to_everyone_but_its_officers(personas, poverty_rate, who):
    with pytest.raises(PermissionDenied):
        enter(getattr(personas, who), poverty_rate)
    assert not Actual.objects.exists()


def test_the_admin_may_enter_anywhere(personas, poverty_rate):
    assert enter(personas.admin, poverty_rate, unit_ref=HUE).pk


@pytest.mark.parametrize("who", ["officer_hg", "officer_hue", "leader", "outsider"])
def test_only_a_reviewer_in_scope_may_approve_or_return(personas, poverty_rate, who):
    actual = enter(personas.officer_hg, poverty_rate)
    services.submit_actual(user=personas.officer_hg, actual=actual)
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        services.approve_actual(user=user, actual=actual)
    with pytest.raises(PermissionDenied):
        services.return_actual(user=user, actual=actual, comment="x")
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.SUBMITTED


def test_another_provinces_officer_cannot_submit_a_figure(personas, poverty_rate):
    actual = enter(personas.officer_hg, poverty_rate)
    with pytest.raises(PermissionDenied):
        services.submit_actual(user=personas.officer_hue, actual=actual)


def test_scope_shows_each_officer_only_their_territory_including_the_units_absorbed_in_2025(personas, poverty_rate):
    hau_giang = enter(personas.officer_hg, poverty_rate)
    commune = unit("93").children.first().children.first()
    hau_giang_commune = enter(personas.officer_hg, poverty_rate, unit_ref=(commune.code, "63"))
    hue = enter(personas.officer_hue, poverty_rate, unit_ref=HUE)
    assert set(access.scope(personas.officer_hg, Actual.objects.all())) == {hau_giang, hau_giang_commune}
    assert set(access.scope(personas.officer_hue, Actual.objects.all())) == {hue}
    assert set(access.scope(personas.leader, Actual.objects.all())) == {hau_giang, hau_giang_commune, hue}
    assert not access.scope(personas.outsider, Actual.objects.all()).exists()


def test_the_second_of_two_concurrent_saves_is_refused_and_shows_the_stored_value(personas, poverty_rate):
    actual = enter(personas.officer_hg, poverty_rate)
    opened_version = actual.version
    enter(personas.officer_hg, poverty_rate, value=Decimal("2.6"), expected_version=opened_version)
    with pytest.raises(EditConflict) as conflict:
        enter(personas.officer_hg, poverty_rate, value=Decimal("2.7"), expected_version=opened_version)
    assert conflict.value.current.value == Decimal("2.6")
    actual.refresh_from_db()
    assert actual.value == Decimal("2.6")


@pytest.mark.parametrize(
    "code, figures, field, message",
    [
        ("GN01", {"value": Decimal("120")}, "value", "0–100"),
        ("GN03", {"value": Decimal("-1")}, "value", "số nguyên không âm"),
        ("GN03", {"value": Decimal("12.5")}, "value", "số nguyên không âm"),
        ("GN01", {"value": None, "numerator": Decimal("30"), "denominator": Decimal("20")}, "numerator", "không được lớn hơn mẫu số"),
        ("GN01", {"value": None, "numerator": Decimal("3"), "denominator": None}, "denominator", "cả tử số và mẫu số"),
        ("GN07", {"value": Decimal("2")}, "value", "1 (có) hoặc 0 (không)"),
    ],
)
def test_bad_figures_get_a_vietnamese_message_on_the_field(personas, code, figures, field, message):
    with pytest.raises(ValidationError) as error:
        enter(personas.officer_hg, Indicator.objects.get(code=code), **figures)
    assert message in " ".join(error.value.message_dict[field])


def test_a_save_from_an_empty_form_does_not_overwrite_a_figure_saved_meanwhile(personas, poverty_rate):
    enter(personas.officer_hg, poverty_rate, value=Decimal("2.6"))
    with pytest.raises(EditConflict):
        enter(personas.officer_hg, poverty_rate, value=Decimal("2.7"), expected_version=0)


def test_a_value_and_a_fraction_together_are_refused(personas, poverty_rate):
    with pytest.raises(ValidationError) as error:
        enter(personas.officer_hg, poverty_rate, value=Decimal("2"), numerator=Decimal("2"), denominator=Decimal("100"))
    assert "không nhập cả hai" in error.value.message_dict["value"][0]


def test_no_evidence_is_added_to_an_approved_figure(personas, poverty_rate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actual = enter(personas.officer_hg, poverty_rate)
    services.submit_actual(user=personas.officer_hg, actual=actual)
    services.approve_actual(user=personas.reviewer_hg, actual=actual)
    with pytest.raises(ValidationError, match="đã khóa"):
        services.attach_evidence(user=personas.officer_hg, upload=SimpleUploadedFile("x.pdf", PDF), actual=actual)


def test_a_year_outside_the_targets_horizon_is_refused(personas, poverty_rate):
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")  # 2021–2025
    with pytest.raises(ValidationError) as error:
        enter(personas.officer_hg, poverty_rate, year=2027, target=target)
    assert "ngoài thời hạn" in error.value.message_dict["year"][0]


PDF = pdf_bytes()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bao-cao.exe", b"MZ....", "chỉ nhận PDF, Word, Excel, JPEG hoặc PNG"),
        ("bao-cao.pdf", b"not really a pdf", "không đúng định dạng PDF"),
        ("anh.png", b"\xff\xd8\xff fake", "không đúng định dạng PNG"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused(personas, poverty_rate, name, content, message):
    actual = enter(personas.officer_hg, poverty_rate)
    with pytest.raises(ValidationError) as error:
        services.attach_evidence(user=personas.officer_hg, upload=SimpleUploadedFile(name, content), actual=actual)
    assert message in error.value.message_dict["evidence"][0]


def test_evidence_over_10_mb_is_refused(personas, poverty_rate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actual = enter(personas.officer_hg, poverty_rate)
    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * services.MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError, match="quá lớn"):
        services.attach_evidence(user=personas.officer_hg, upload=big, actual=actual)


def test_a_pdf_is_kept_under_a_random_name(personas, poverty_rate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actual = enter(personas.officer_hg, poverty_rate)
    evidence = services.attach_evidence(user=personas.officer_hg, upload=SimpleUploadedFile("../../bien-ban.pdf", PDF), actual=actual)
    assert evidence.original_name == "bien-ban.pdf"
    assert ".." not in evidence.file.name and evidence.file.name.endswith(".pdf")
    with pytest.raises(PermissionDenied):
        services.attach_evidence(user=personas.officer_hue, upload=SimpleUploadedFile("x.pdf", PDF), actual=actual)


def inherited_task() -> Task:
    """A Hậu Giang task led by the Sở LĐ-TB&XH, whose work passed to the Cần Thơ Sở NN&MT."""
    return Task.objects.filter(lead_agency__code="hg-so-ldtbxh").first()


def test_an_officer_reports_on_a_task_inherited_by_their_agency(personas):
    task = inherited_task()
    assert AgencySuccession.objects.filter(predecessor__code="hg-so-nnmt", successor__code="ct-so-nnmt").exists()
    report = services.save_task_report(
        user=personas.officer_hg, task=task, agency=task.lead_agency, year=2024, progress="in_progress",
        percent_done=60, narrative="Đã tổng hợp báo cáo 6 tháng.",
    )
    services.submit_task_report(user=personas.officer_hg, report=report)
    with pytest.raises(PermissionDenied):
        services.approve_task_report(user=personas.officer_hue, report=report)
    approved = services.approve_task_report(user=personas.reviewer_hg, report=report)
    assert approved.status == ReviewStatus.APPROVED


def test_task_reports_are_refused_outside_the_officers_agency_or_territory(personas):
    task = inherited_task()
    for user in (personas.officer_hue, personas.leader, personas.outsider):
        with pytest.raises(PermissionDenied):
            services.save_task_report(user=user, task=task, agency=task.lead_agency, year=2024,
                                      progress="in_progress", percent_done=10, narrative="x")


def test_a_completed_task_report_needs_a_date_and_100_percent(personas):
    task = inherited_task()
    with pytest.raises(ValidationError) as error:
        services.save_task_report(user=personas.officer_hg, task=task, agency=task.lead_agency, year=2024,
                                  progress="completed", percent_done=90, narrative="Xong")
    assert "ngày hoàn thành" in error.value.message_dict["completed_on"][0]


def test_a_leader_asks_for_an_explanation_and_the_officer_answers(personas):
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    with pytest.raises(PermissionDenied):
        services.request_explanation(user=personas.officer_hg, target=target, question="Vì sao chậm?")
    request = services.request_explanation(user=personas.leader, target=target, question="Vì sao tỷ lệ giảm chậm?")
    with pytest.raises(PermissionDenied):
        services.answer_explanation(user=personas.officer_hue, request=request, answer="...")
    answered = services.answer_explanation(user=personas.officer_hg, request=request, answer="Do dịch bệnh năm 2021.")
    assert answered.is_answered and answered.answered_by == personas.officer_hg
    with pytest.raises(ValidationError, match="đã được giải trình"):
        services.answer_explanation(user=personas.officer_hg, request=answered, answer="lần hai")
