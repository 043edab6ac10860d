"""Notifications: made by the review cycle, explanations and jobs; sent by email at once, in the daily
digest or not at all, each once; the bell, the list, marking read and each user's choices."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from exchange.models import ImportStatus
from exchange.tasks import build_export
from exchange.workbook import records as workbook
from indicators import services as figures
from indicators.models import Indicator, Target
from jobs.schedule import SCHEDULE
from notifications import events, services
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.recipients import users_who_may
from notifications.tasks import send_daily_digests, send_notification_email
from plans.access import Action, can
from plans.models import AdminMap, Task
from review.models import ReviewStatus
from tests.conftest import unit
from tests.jobs_helpers import run_tasks
from tests.test_workbook import last_record, upload, valid_workbook

SITE = "https://giamngheo.example.vn"
HAU_GIANG = ("93", "63")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def people(personas):
    for who in ("officer_hg", "officer_hue", "reviewer_hg", "leader", "admin"):
        user = getattr(personas, who)
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])
    return personas


def returned_figure(people, comment: str = "Thiếu số liệu huyện Long Mỹ"):
    """A figure entered and submitted by Hậu Giang's officer and returned by its reviewer, through the services."""
    actual = figures.save_actual(user=people.officer_hg, indicator=Indicator.objects.get(code="GN01"),
                                 unit=unit(*HAU_GIANG), year=2023, value=Decimal("2.5"))
    figures.submit_actual(user=people.officer_hg, actual=actual)
    return figures.return_actual(user=people.reviewer_hg, actual=actual, comment=comment)


def choose(user, kind: Kind, delivery: Delivery) -> None:
    services.save_preferences(user=user, choices={kind.value: delivery.value})


# ---------------------------------------------------------------------------------------------
# Made by the review cycle, sent at once


def test_a_returned_figure_tells_its_author_once_in_the_app_and_by_one_email_with_text_html_and_link(
    people, mailoutbox,
):
    actual = returned_figure(people)
    made = Notification.objects.get()
    assert (made.user, made.kind) == (people.officer_hg, Kind.RETURNED)
    assert made.link == reverse("actual_detail", args=[actual.pk])
    assert made.title.startswith("Số liệu bị trả lại: GN01") and "Thiếu số liệu huyện Long Mỹ" in made.body
    assert mailoutbox == []  # queued, not sent during the request

    run_tasks()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["canbo.hg@example.vn"] and email.subject == f"[povertyplan] {made.title}"
    link = f"{SITE}{reverse('notification_open', args=[made.pk])}"
    assert link in email.body and "Thiếu số liệu huyện Long Mỹ" in email.body
    (html, mimetype), = email.alternatives
    assert mimetype == "text/html" and f'href="{link}"' in html and "Chào" in html
    made.refresh_from_db()
    assert made.emailed_at is not None


def test_approval_tells_the_author_and_a_task_run_twice_sends_one_email(people, mailoutbox):
    actual = returned_figure(people)
    corrected = figures.save_actual(user=people.officer_hg, indicator=actual.indicator, unit=actual.unit, year=2023,
                                    value=Decimal("2.41"), expected_version=actual.version)
    figures.submit_actual(user=people.officer_hg, actual=corrected)
    approved = figures.approve_actual(user=people.reviewer_hg, actual=corrected)
    assert approved.status == ReviewStatus.APPROVED
    kinds = list(Notification.objects.filter(user=people.officer_hg).order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.RETURNED, Kind.APPROVED]
    assert not Notification.objects.exclude(user=people.officer_hg).exists()
    run_tasks()
    assert len(mailoutbox) == 2
    approval = Notification.objects.get(kind=Kind.APPROVED)
    assert send_notification_email.call(approval.pk) is False  # run again: already emailed
    assert len(mailoutbox) == 2


def test_a_task_report_returned_then_approved_tells_its_author_with_the_reports_page(people):
    task = Task.objects.filter(lead_agency__code="hg-so-ldtbxh").first()  # its work passed to officer_hg's agency
    report = figures.save_task_report(user=people.officer_hg, task=task, agency=task.lead_agency, year=2024,
                                      progress="in_progress", percent_done=60, narrative="Đã tổng hợp.")
    figures.submit_task_report(user=people.officer_hg, report=report)
    figures.return_task_report(user=people.reviewer_hg, report=report, comment="Thiếu số liệu quý II")
    returned = Notification.objects.get()
    assert (returned.user, returned.kind) == (people.officer_hg, Kind.RETURNED)
    assert returned.link == reverse("task_report_detail", args=[report.pk])
    assert returned.title.startswith("Báo cáo nhiệm vụ bị trả lại: ") and "Thiếu số liệu quý II" in returned.body


def test_an_explanation_asked_about_a_task_goes_to_the_officers_of_the_agency_that_took_it_over(people):
    task = Task.objects.filter(lead_agency__code="hg-so-ldtbxh").first()
    figures.request_explanation(user=people.leader, task=task, question="Vì sao chậm?")
    assert list(Notification.objects.values_list("user", "kind")) == [(people.officer_hg.pk, Kind.EXPLANATION_ASKED)]


def test_the_same_key_twice_makes_one_notification_and_one_email(people, mailoutbox):
    first = services.notify(users=[people.officer_hg], kind=Kind.OVERDUE, title="A", key="obligation:1:overdue")
    second = services.notify(users=[people.officer_hg, people.officer_hue], kind=Kind.OVERDUE, title="A",
                             key="obligation:1:overdue")
    assert [n.user for n in first] == [people.officer_hg] and [n.user for n in second] == [people.officer_hue]
    assert Notification.objects.filter(key="obligation:1:overdue").count() == 2
    run_tasks()
    run_tasks()
    assert sorted(email.to[0] for email in mailoutbox) == ["canbo.hg@example.vn", "canbo.hue@example.vn"]


def test_a_user_without_an_email_address_gets_the_notification_and_no_email_task(people):
    services.notify(users=[people.outsider], kind=Kind.JOB_FINISHED, title="Xong")
    assert Notification.objects.filter(user=people.outsider).count() == 1
    assert not DBTaskResult.objects.exists()


def test_a_failing_notification_does_not_stop_the_return(people, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(events, "notify", broken)
    actual = returned_figure(people)
    actual.refresh_from_db()
    assert actual.status == ReviewStatus.RETURNED and not Notification.objects.exists()


# ---------------------------------------------------------------------------------------------
# Digest and off


def test_a_digest_user_gets_nothing_at_once_and_one_digest_email_once(people, mailoutbox):
    choose(people.officer_hg, Kind.RETURNED, Delivery.DIGEST)
    returned_figure(people, comment="Sai đơn vị")
    services.notify(users=[people.officer_hg], kind=Kind.RETURNED, title="Báo cáo thứ hai bị trả lại")
    run_tasks()
    assert mailoutbox == [] and not DBTaskResult.objects.exists()

    assert send_daily_digests.call() == 1
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.to == ["canbo.hg@example.vn"] and digest.subject == "[povertyplan] 2 thông báo mới"
    assert "Báo cáo thứ hai bị trả lại" in digest.body and "Số liệu bị trả lại" in digest.body
    for made in Notification.objects.all():
        assert f"{SITE}{reverse('notification_open', args=[made.pk])}" in digest.alternatives[0][0]
    assert send_daily_digests.call() == 0  # the job run twice: no second email
    assert len(mailoutbox) == 1
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_off_means_in_the_app_only(people, mailoutbox):
    choose(people.officer_hg, Kind.RETURNED, Delivery.OFF)
    returned_figure(people)
    run_tasks()
    assert send_daily_digests.call() == 0
    assert mailoutbox == [] and Notification.objects.filter(user=people.officer_hg).count() == 1


def test_the_daily_digest_is_on_the_schedule_from_seven():
    digest = next(periodic for periodic in SCHEDULE if periodic.name == "notification_digest")
    assert digest.task == send_daily_digests and digest.due_from.hour == 7


# ---------------------------------------------------------------------------------------------
# Explanations


def test_an_explanation_request_tells_the_officers_who_may_answer_and_the_answer_tells_the_leader(people):
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    request = figures.request_explanation(user=people.leader, target=target, question="Vì sao tỷ lệ giảm chậm?")
    asked = Notification.objects.get(kind=Kind.EXPLANATION_ASKED)
    assert (asked.user, asked.body) == (people.officer_hg, "Vì sao tỷ lệ giảm chậm?")
    assert asked.link == reverse("explanation_list") and asked.title.startswith("Yêu cầu giải trình: ")
    figures.answer_explanation(user=people.officer_hg, request=request, answer="Do dịch bệnh năm 2021.")
    answered = Notification.objects.get(kind=Kind.EXPLANATION_ANSWERED)
    assert answered.user == people.leader and "Do dịch bệnh năm 2021." in answered.body


@pytest.mark.parametrize("action", [Action.ENTER, Action.REVIEW, Action.ANSWER_EXPLANATION, Action.REQUEST_EXPLANATION,
                                    Action.VIEW_HOUSEHOLDS, Action.KEEP_REGISTER])
def test_users_who_may_is_can_read_the_other_way_round(people, action, django_assert_max_num_queries):
    commune = unit("93").children.first().children.first()
    users = list(get_user_model().objects.order_by("pk"))
    for place in (unit(*HAU_GIANG), commune, unit("92", AdminMap.CURRENT), unit("46", AdminMap.CURRENT)):
        with django_assert_max_num_queries(6):
            everyone = list(users_who_may(action, place, include_admins=True))
        assert everyone == [user for user in users if can(user, action, unit=place)], (action, place)
        workers = set(users_who_may(action, place))
        assert workers == {user for user in everyone if not user.memberships.filter(role="admin").exists()}


def test_hau_giangs_figures_are_for_the_officers_and_reviewers_of_the_city_it_merged_into(people):
    assert list(users_who_may(Action.ENTER, unit(*HAU_GIANG))) == [people.officer_hg]
    assert list(users_who_may(Action.REVIEW, unit(*HAU_GIANG))) == [people.reviewer_hg]
    assert list(users_who_may(Action.REQUEST_EXPLANATION, unit(*HAU_GIANG))) == [people.leader]
    assert list(users_who_may(Action.ENTER, unit(*HAU_GIANG), include_admins=True)) == [people.officer_hg, people.admin]


def test_users_who_may_answer_for_a_task_are_the_officers_of_its_agencies(people):
    place = unit("92", AdminMap.CURRENT)
    assert set(users_who_may(Action.ANSWER_EXPLANATION, place, agency_ids=set())) == set()
    agency_id = people.officer_hg.memberships.get().agency_id
    assert list(users_who_may(Action.ANSWER_EXPLANATION, place, agency_ids={agency_id})) == [people.officer_hg]


# ---------------------------------------------------------------------------------------------
# Jobs


def test_a_background_import_tells_who_uploaded_it_when_checked_and_when_it_fails(client, people, monkeypatch):
    monkeypatch.setattr(workbook, "BACKGROUND_ROWS", 1)
    client.force_login(people.admin)
    upload(client, valid_workbook())
    record = last_record()
    run_tasks()
    done = Notification.objects.get(user=people.admin)
    assert (done.kind, done.link) == (Kind.JOB_FINISHED, reverse("import_detail", args=[record.pk]))
    assert done.title == f"Đã kiểm tra xong tệp {record.file_name}"

    def broken(record, progress):
        raise ValueError("ổ đĩa đầy")

    monkeypatch.setattr(workbook, "apply_record", broken)
    client.post(reverse("import_apply", args=[record.pk]))
    run_tasks()
    failed = Notification.objects.get(user=people.admin, kind=Kind.JOB_FAILED)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "ổ đĩa đầy" in failed.body


def test_a_large_export_tells_who_asked_with_the_jobs_page(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    result = build_export.enqueue("documents", people.leader.pk)
    run_tasks()
    done = Notification.objects.get(user=people.leader)
    assert (done.kind, done.link) == (Kind.JOB_FINISHED, reverse("export_job", args=[result.id]))
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


# ---------------------------------------------------------------------------------------------
# Pages: the bell, the list, marking read, another's, the choices


def test_the_bell_shows_the_unread_count_in_one_query(client, people, django_assert_num_queries):
    for number in range(3):
        services.notify(users=[people.officer_hg], kind=Kind.JOB_FINISHED, title=f"Việc {number}")
    services.mark_read(user=people.officer_hg, ids=[Notification.objects.order_by("pk").first().pk])
    with django_assert_num_queries(1):
        assert services.unread_count(people.officer_hg) == 2
    client.force_login(people.officer_hg)
    page = client.get(reverse("my_work")).content.decode()
    assert f'href="{reverse("notification_list")}"' in page
    assert 'class="tag status-returned unread-count" title="Chưa đọc">2</span>' in page
    client.force_login(people.officer_hue)
    assert "unread-count" not in client.get(reverse("my_work")).content.decode()


def test_the_list_shows_unread_first_and_opening_one_marks_it_read_and_follows_its_link(client, people):
    actual = returned_figure(people)
    services.notify(users=[people.officer_hg], kind=Kind.JOB_FINISHED, title="Việc đã xong")
    older, newer = Notification.objects.order_by("pk")
    services.mark_read(user=people.officer_hg, ids=[newer.pk])
    client.force_login(people.officer_hg)
    page = client.get(reverse("notification_list")).content.decode()
    assert page.index(older.title) < page.index("Việc đã xong")  # unread first
    response = client.get(reverse("notification_open", args=[older.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("actual_detail", args=[actual.pk])
    assert services.unread_count(people.officer_hg) == 0


def test_mark_one_read_and_mark_all_read(client, people):
    for number in range(3):
        services.notify(users=[people.officer_hg], kind=Kind.JOB_FINISHED, title=f"Việc {number}")
    first = Notification.objects.order_by("pk").first()
    client.force_login(people.officer_hg)
    assert client.get(reverse("notification_read", args=[first.pk])).status_code == 405
    client.post(reverse("notification_read", args=[first.pk]))
    first.refresh_from_db()
    assert first.read_at is not None and services.unread_count(people.officer_hg) == 2
    response = client.post(reverse("notification_read_all"))
    assert response["Location"] == reverse("notification_list") and services.unread_count(people.officer_hg) == 0


def test_another_users_notification_is_not_found_and_stays_unread(client, people):
    theirs, = services.notify(users=[people.officer_hue], kind=Kind.JOB_FINISHED, title="Của người khác")
    client.force_login(people.officer_hg)
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notification_read_all"))
    assert "Của người khác" not in client.get(reverse("notification_list")).content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    assert client.get(reverse("notification_list"))["Location"].startswith(reverse("login"))


def test_preferences_are_saved_per_kind_with_at_once_as_no_row(client, people):
    client.force_login(people.officer_hg)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert len(re.findall(r'value="instant"[^>]*checked', page)) == len(Kind) == 10
    choices = {kind.value: Delivery.INSTANT.value for kind in Kind}
    choices |= {Kind.RETURNED.value: Delivery.DIGEST.value, Kind.JOB_FINISHED.value: Delivery.OFF.value}
    response = client.post(reverse("notification_preferences"), choices)
    assert response["Location"] == reverse("notification_preferences")
    assert set(Preference.objects.filter(user=people.officer_hg).values_list("kind", "delivery")) == {
        (Kind.RETURNED, Delivery.DIGEST), (Kind.JOB_FINISHED, Delivery.OFF)}
    client.post(reverse("notification_preferences"), {**choices, Kind.RETURNED.value: Delivery.INSTANT.value})
    assert list(Preference.objects.filter(user=people.officer_hg).values_list("kind", flat=True)) == [Kind.JOB_FINISHED]
    assert client.post(reverse("notification_preferences"), {**choices, Kind.OVERDUE.value: "email"}).status_code == 200
    assert not Preference.objects.filter(kind=Kind.OVERDUE).exists()
    assert not Preference.objects.exclude(user=people.officer_hg).exists()
