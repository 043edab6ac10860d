"""The review queue shows one page of 50 at a time, whatever the queue's length, with the total.

Figures arrive by the bulk actuals import and the workbook import, task reports as seeds; the
queue merges both kinds, oldest first, and reads only one page of rows from the database.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Actual
from plans.models import AdminMap, Role
from review.models import ReviewStatus, TaskReport
from tests.conftest import make_user
from tests.test_provenance import (
    figure_row,
    hg_target,
    hg_task,
    import_in_bulk,
    import_through_the_service,
    seeded_report,
)
from tests.test_workbook import row_of


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_records(count: int, first_year: int = 2001) -> None:
    """`count` submitted records of Hậu Giang (a multiple of 5): four figures and one task report a year."""
    codes = [hg_target(code).indicator.code for code in ("II.2.a.1", "II.2.a.2", "II.2.a.3", "II.2.a.4")]
    task = hg_task()
    years = range(first_year, first_year + count // 5)
    assert years[-1] <= 2024  # Hậu Giang's figures end with its merger in 2025
    for year in years:
        seeded_report(task, year)
    import_in_bulk([figure_row(code, year, "2,5") for code in codes[:2] for year in years], method="batched")
    import_through_the_service([figure_row(code, year, "4") for code in codes[2:] for year in years],
                               name=f"tu-{first_year}.xlsx")


def queue(client, query: str = ""):
    response = client.get(reverse("review_queue") + query)
    assert response.status_code == 200
    return response


def keys(response) -> list[tuple[str, int]]:
    return [(item.kind, item.record.pk) for item in response.context["items"]]


def test_pages_of_fifty_cover_the_whole_queue_once_oldest_first(client, personas):
    add_records(120)
    submitted = (Actual.objects.filter(status=ReviewStatus.SUBMITTED).count()
                 + TaskReport.objects.filter(status=ReviewStatus.SUBMITTED).count())
    assert submitted == 120
    client.force_login(personas.reviewer_hg)
    pages = [queue(client, f"?trang={n}") for n in (1, 2, 3)]
    assert [len(keys(page)) for page in pages] == [50, 50, 20]
    for page in pages:
        assert "120 hồ sơ chờ duyệt" in page.content.decode()
    first, last = pages[0].content.decode(), pages[2].content.decode()
    assert "Trang 1/3" in first and "?trang=2" in first and "?trang=0" not in first
    assert "Trang 3/3" in last and "?trang=2" in last and "?trang=4" not in last
    every = [key for page in pages for key in keys(page)]
    assert len(set(every)) == 120
    assert {kind for kind, _pk in every} == {"actual", "task_report"}
    moments = [item.submitted_at for page in pages for item in page.context["items"]]
    assert moments == sorted(moments)
    # Each row still names what produced it (the workbook import's file name).
    assert any("tu-2001.xlsx" in page.content.decode() for page in pages)


def test_a_page_reads_the_same_number_of_queries_for_60_and_120_records(client, personas):
    client.force_login(personas.reviewer_hg)
    queue(client)  # the session's first request writes it; later ones do not
    counts = []
    for first_year in (2001, 2013):
        add_records(60, first_year)
        with CaptureQueriesContext(connection) as queries:
            response = queue(client)
        assert len(keys(response)) == 50
        assert {kind for kind, _pk in keys(response)} == {"actual", "task_report"}  # both kinds read
        counts.append(len(queries))
    assert "120 hồ sơ chờ duyệt" in response.content.decode()
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("raw, page_number", [
    ("abc", 1), ("0", 1), ("-1", 1), ("2.5", 1), ("²", 1), ("9" * 5000, 1), ("", 1), ("999", 3), ("3", 3),
])
def test_a_bad_page_number_answers_the_first_or_last_page(client, personas, raw, page_number):
    add_records(120)
    client.force_login(personas.reviewer_hg)
    response = queue(client, f"?trang={raw}")
    assert response.context["page"].number == page_number
    assert len(keys(response)) == (50 if page_number == 1 else 20)


def test_a_reviewer_sees_only_the_records_of_their_province(client, personas):
    add_records(5)
    code = hg_target("II.2.a.1").indicator.code
    hue_row = row_of("actuals", **{"Mã chỉ số": code, "Mã địa bàn": "46", "Bản đồ": "63", "Năm": 2020, "Kỳ": "Năm",
                                   "Số kỳ": 0, "Giá trị": "7", "Trạng thái": "Đã gửi"})
    import_in_bulk([hue_row], method="batched")
    hue_figure = Actual.objects.get(unit__code="46", year=2020)
    assert hue_figure.status == ReviewStatus.SUBMITTED

    client.force_login(personas.reviewer_hg)
    response = queue(client)
    assert ("actual", hue_figure.pk) not in keys(response)
    assert len(keys(response)) == 5 and "5 hồ sơ chờ duyệt" in response.content.decode()

    client.force_login(make_user("duyet.hue", Role.REVIEWER, ("46", AdminMap.CURRENT)))
    assert keys(queue(client)) == [("actual", hue_figure.pk)]

    client.force_login(personas.officer_hg)  # an officer reviews nothing
    response = queue(client)
    assert keys(response) == [] and "hồ sơ chờ duyệt" not in response.content.decode()
