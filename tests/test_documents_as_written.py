"""Documents as they are written (issue 12, scope 1): any kind and issuer, a document without a number
(a stable key of its own), "chưa xác minh" marks, purpose and requirements, typed bases.

Everything arrives the way a new administrator enters it: the plan workbook uploaded, previewed and
confirmed; the seed cascade through load_cascade; a basis through services.add_basis.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from exchange.models import ImportStatus
from plans.models import Agency, AgencyKind, BasisRelation, Document, DocumentBasis, DocumentKind, Task
from plans.resources import DocumentBasisResource, DocumentResource
from plans.services import add_basis
from tests.conftest import document
from tests.test_workbook import admin_client, admin_user, last_record, row_of, upload, xlsx  # noqa: F401

PLAN_KEY = "hg-ubnd-plan-chua-so-20220420"
PURPOSE = "Cụ thể hóa Nghị quyết số 24/2021/QH15 trên địa bàn tỉnh.\nHuy động nguồn lực cho giảm nghèo."
REQUIREMENTS = "Bám sát mục tiêu của Chương trình."


def agency_rows() -> list[list]:
    return [
        row_of("agencies", **{"Mã cơ quan": "qh", "Tên cơ quan": "Quốc hội", "Loại cơ quan": "Quốc hội",
                              "Mã địa bàn": "VN"}),
        row_of("agencies", **{"Mã cơ quan": "hg-hdnd", "Tên cơ quan": "Hội đồng nhân dân tỉnh Hậu Giang",
                              "Loại cơ quan": "Hội đồng nhân dân", "Mã địa bàn": "93", "Bản đồ": "63"}),
    ]


def document_rows() -> list[list]:
    return [
        # NQ 24/2021/QH15 of 28/7/2021 approving the investment policy of the national target programme
        # (https://thuvienphapluat.vn/van-ban/Dau-tu/Nghi-quyet-24-2021-QH15-chu-truong-dau-tu-Chuong-trinh-muc-tieu-quoc-gia-giam-ngheo-ben-vung-2021-2025-482386.aspx)
        row_of("documents", **{
            "Số hiệu": "24/2021/QH15", "Mã cơ quan ban hành": "qh", "Loại văn bản": "Nghị quyết",
            "Trích yếu": "Phê duyệt chủ trương đầu tư Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025",
            "Mã địa bàn": "VN", "Ngày ban hành": "28/07/2021", "Từ năm": 2021, "Đến năm": 2025, "Có văn bản": "Không",
        }),
        row_of("documents", **{
            "Số hiệu": "125/HĐND-VP", "Mã cơ quan ban hành": "hg-hdnd", "Loại văn bản": "Công văn",
            "Số hiệu chưa xác minh": "Có", "Ngày ban hành chưa xác minh": "Có",
            "Trích yếu": "Về việc giám sát công tác giảm nghèo", "Mã địa bàn": "93", "Bản đồ": "63",
            "Ngày ban hành": "15/03/2022", "Có văn bản": "Không",
        }),
        row_of("documents", **{
            "Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Kế hoạch", "Trích yếu": "Kế hoạch giảm nghèo thử",
            "Mã địa bàn": "93", "Bản đồ": "63", "Ngày ban hành": "20/04/2022", "Từ năm": 2022, "Đến năm": 2025,
            "Mục đích": PURPOSE, "Yêu cầu": REQUIREMENTS, "Có văn bản": "Có",
        }),
    ]


def confirm(client, content: bytes):
    upload(client, content)
    record = last_record()
    assert record.error_count == 0, record.errors
    client.post(reverse("import_apply", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    return record


def second_workbook() -> bytes:
    """The same documents again (the plan still without number or key), then the sheets that cite the
    plan by its key, the issuer left blank."""
    return xlsx({
        "agencies": agency_rows(),
        "documents": document_rows(),
        "document_bases": [
            row_of("document_bases", **{"Số hiệu": PLAN_KEY, "Số hiệu căn cứ": "24/2021/QH15",
                                        "Mã cơ quan ban hành căn cứ": "qh", "Quan hệ": "Thực hiện"}),
            row_of("document_bases", **{"Số hiệu": PLAN_KEY, "Số hiệu căn cứ": "125/HĐND-VP",
                                        "Mã cơ quan ban hành căn cứ": "hg-hdnd"}),
            row_of("document_bases", **{"Số hiệu": PLAN_KEY, "Số hiệu căn cứ": "hg-ubnd-18-kh-ubnd",
                                        "Quan hệ": "sua doi, bo sung"}),
        ],
        "tasks": [
            row_of("tasks", **{"Số hiệu văn bản": PLAN_KEY, "Số thứ tự": "1", "Tiêu đề": "Tuyên truyền", "Thứ tự": 1}),
            row_of("tasks", **{"Số hiệu văn bản": PLAN_KEY, "Số thứ tự": "1.1", "Số thứ tự mục cha": "1",
                               "Nội dung": "Tổ chức hội nghị", "Mã cơ quan chủ trì": "hg-ubnd", "Thứ tự": 2,
                               "Thực hiện nhiệm vụ": "hg-ubnd-18-kh-ubnd||III.1"}),
        ],
    })


@pytest.fixture
def imported(admin_client):
    first = confirm(admin_client, xlsx({"agencies": agency_rows(), "documents": document_rows()}))
    assert first.counts["documents"] == {"new": 3, "changed": 0, "unchanged": 0, "wrong": 0}
    second = confirm(admin_client, second_workbook())
    return second


def test_kinds_and_bodies_are_imported_by_their_vietnamese_labels(imported):
    assert Agency.objects.get(code="qh").kind == AgencyKind.NATIONAL_ASSEMBLY
    assert Agency.objects.get(code="hg-hdnd").kind == AgencyKind.COUNCIL
    letter = document("125/HĐND-VP", "hg-hdnd")
    assert (letter.kind, letter.issuer.name) == (DocumentKind.OFFICIAL_LETTER, "Hội đồng nhân dân tỉnh Hậu Giang")
    assert (letter.number_unverified, letter.issued_on_unverified) == (True, True)
    resolution = document("24/2021/QH15", "qh")
    assert (resolution.kind, resolution.key, str(resolution.issued_on)) == (DocumentKind.RESOLUTION, "qh-24-2021-qh15", "2021-07-28")
    assert (resolution.number_unverified, resolution.issued_on_unverified) == (False, False)


def test_a_plan_without_number_gets_a_key_and_is_not_duplicated_when_imported_again(imported):
    assert imported.counts["documents"] == {"new": 0, "changed": 0, "unchanged": 3, "wrong": 0}
    plan = Document.objects.get(issuer__code="hg-ubnd", number="")
    assert (plan.key, plan.title, plan.purpose, plan.requirements) == (
        PLAN_KEY, "Kế hoạch giảm nghèo thử", PURPOSE, REQUIREMENTS,
    )
    assert Document.objects.filter(title="Kế hoạch giảm nghèo thử").count() == 1
    tasks = {t.number: t for t in Task.objects.filter(document=plan).select_related("parent")}
    assert sorted(tasks) == ["1", "1.1"] and tasks["1.1"].parent == tasks["1"]
    assert [(t.document.number, t.number) for t in tasks["1.1"].implements.all()] == [("18/KH-UBND", "III.1")]


def test_bases_are_typed_and_blank_means_can_cu(imported):
    plan = Document.objects.get(key=PLAN_KEY)
    links = {link.basis.key: link.relation for link in DocumentBasis.objects.filter(document=plan).select_related("basis")}
    assert links == {
        "qh-24-2021-qh15": BasisRelation.IMPLEMENTS,
        "hg-hdnd-125-hdnd-vp": BasisRelation.BASIS,
        "hg-ubnd-18-kh-ubnd": BasisRelation.AMENDS,
    }


def test_the_document_page_shows_the_number_marks_purpose_requirements_and_bases_by_relation(imported, admin_client):
    plan = Document.objects.get(key=PLAN_KEY)
    page = admin_client.get(plan.get_absolute_url()).content.decode()
    assert "<h1>Kế hoạch chưa rõ số hiệu</h1>" in page
    assert f"<code>{PLAN_KEY}</code>" in page
    assert "<p>Cụ thể hóa Nghị quyết số 24/2021/QH15 trên địa bàn tỉnh.<br>Huy động nguồn lực cho giảm nghèo.</p>" in page
    assert f"<p>{REQUIREMENTS}</p>" in page
    above = page[page.index('id="van-ban-cap-tren"'):page.index('id="van-ban-trien-khai"')]
    headings = [part.split("</h3>")[0] for part in above.split("<h3>")[1:]]
    assert headings == ["Căn cứ", "Thực hiện", "Sửa đổi, bổ sung"]
    assert above.index("Nghị quyết 24/2021/QH15") > above.index("<h3>Thực hiện</h3>")
    assert "Công văn 125/HĐND-VP</a> <span class=\"tag unverified\">(chưa xác minh)</span>" in above

    letter = admin_client.get(document("125/HĐND-VP", "hg-hdnd").get_absolute_url()).content.decode()
    assert '<h1>Công văn 125/HĐND-VP <span class="tag unverified">(chưa xác minh)</span></h1>' in letter
    assert '15/03/2022 <span class="tag unverified">(chưa xác minh)</span></dd>' in letter
    assert "<dt>Loại văn bản</dt><dd>Công văn</dd>" in letter
    below = letter[letter.index('id="van-ban-trien-khai"'):]
    assert "<h3>Là căn cứ của</h3>" in below and "Kế hoạch (chưa rõ số) Kế hoạch giảm nghèo thử" in below

    resolution = admin_client.get(document("24/2021/QH15", "qh").get_absolute_url()).content.decode()
    assert "<h3>Được thực hiện bởi</h3>" in resolution
    kh18 = admin_client.get(document("18/KH-UBND", "hg-ubnd").get_absolute_url()).content.decode()
    assert "<h3>Được sửa đổi, bổ sung bởi</h3>" in kh18


def test_the_document_list_finds_a_document_without_number_by_key_and_by_title(imported, admin_client):
    for query in (PLAN_KEY, "ke hoach giam ngheo thu", "chua-so-2022"):
        page = admin_client.get(reverse("document_list"), {"q": query}).content.decode()
        assert f"chưa rõ số hiệu</a> <code class=\"small\">{PLAN_KEY}</code>" in page, query
        assert "18/KH-UBND" not in page


def test_export_writes_the_new_columns_and_reimporting_the_export_changes_nothing(imported):
    plan = Document.objects.get(key=PLAN_KEY)
    exported = DocumentResource().export(Document.objects.filter(pk=plan.pk)).dict[0]
    assert {k: exported[k] for k in ("Số hiệu", "Mã văn bản", "Số hiệu chưa xác minh", "Ngày ban hành chưa xác minh",
                                     "Mục đích", "Yêu cầu", "Loại văn bản")} == {
        "Số hiệu": "", "Mã văn bản": PLAN_KEY, "Số hiệu chưa xác minh": "Không", "Ngày ban hành chưa xác minh": "Không",
        "Mục đích": PURPOSE, "Yêu cầu": REQUIREMENTS, "Loại văn bản": "Kế hoạch",
    }
    bases = DocumentBasisResource().export(DocumentBasis.objects.filter(document=plan).order_by("basis__key")).dict
    assert [(b["Số hiệu"], b["Số hiệu căn cứ"], b["Quan hệ"]) for b in bases] == [
        (PLAN_KEY, "125/HĐND-VP", "Căn cứ"), (PLAN_KEY, "18/KH-UBND", "Sửa đổi, bổ sung"),
        (PLAN_KEY, "24/2021/QH15", "Thực hiện"),
    ]
    again = DocumentResource().import_data(DocumentResource().export(Document.objects.filter(pk=plan.pk)), dry_run=True)
    assert again.totals["skip"] == 1 and not again.has_errors() and not again.has_validation_errors()


def test_refused_rows_say_why_in_vietnamese(imported, admin_client):
    Document.objects.create(
        issuer=Agency.objects.get(code="hg-ubnd"), territory=document("18/KH-UBND", "hg-ubnd").territory,
        kind=DocumentKind.PLAN, title="Kế hoạch giảm nghèo thử", issued_on=Document.objects.get(key=PLAN_KEY).issued_on,
    )  # a second unnumbered plan alike in everything but its key
    upload(admin_client, xlsx({
        "documents": [
            document_rows()[2],
            row_of("documents", **{"Số hiệu": "18/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Mã văn bản": "kh-18-moi",
                                   "Loại văn bản": "Kế hoạch", "Mã địa bàn": "93", "Bản đồ": "63"}),
            row_of("documents", **{"Số hiệu": "1/TB", "Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Thông tri",
                                   "Mã địa bàn": "93", "Bản đồ": "63"}),
        ],
        "document_bases": [
            row_of("document_bases", **{"Số hiệu": "khong-co-ma-nay", "Số hiệu căn cứ": "24/2021/QH15",
                                        "Mã cơ quan ban hành căn cứ": "qh"}),
            row_of("document_bases", **{"Số hiệu": PLAN_KEY, "Số hiệu căn cứ": "24/2021/QH15",
                                        "Mã cơ quan ban hành căn cứ": "qh", "Quan hệ": "Dẫn chiếu"}),
        ],
    }))
    record = last_record()
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in record.errors}
    assert errors[("documents", 2, "Mã văn bản")] == (
        "Có nhiều văn bản chưa có số hiệu của cơ quan “hg-ubnd” cùng loại, ngày ban hành và trích yếu "
        f"({PLAN_KEY}, {PLAN_KEY}-2...); ghi “Mã văn bản” để chỉ rõ văn bản nào."
    )
    assert errors[("documents", 3, "Mã văn bản")] == (
        "Số hiệu “18/KH-UBND” của cơ quan “hg-ubnd” đã là văn bản mã “hg-ubnd-18-kh-ubnd”; "
        "ghi mã đó hoặc để trống cột “Mã văn bản”."
    )
    assert errors[("documents", 4, "Loại văn bản")].startswith("“Thông tri” không có trong danh mục; dùng một trong: “Chỉ thị”")
    assert errors[("document_bases", 2, "Số hiệu")] == (
        "Không có văn bản mã “khong-co-ma-nay”. Nếu đây là số hiệu, ghi thêm mã cơ quan ban hành."
    )
    assert errors[("document_bases", 3, "Quan hệ")] == (
        "“Dẫn chiếu” không có trong danh mục; dùng một trong: “Căn cứ”, “Thực hiện”, “Thay thế”, “Sửa đổi, bổ sung”."
    )
    assert record.status == ImportStatus.CHECKED and not Document.objects.filter(key="kh-18-moi").exists()


def test_a_key_names_its_issuer_when_the_issuer_is_also_given(imported, admin_client):
    upload(admin_client, xlsx({"tasks": [
        row_of("tasks", **{"Số hiệu văn bản": PLAN_KEY, "Mã cơ quan ban hành": "hg-hdnd", "Số thứ tự": "2", "Thứ tự": 3}),
    ]}))
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in last_record().errors}
    assert errors == {("tasks", 2, "Số hiệu văn bản"): (
        f"Văn bản mã “{PLAN_KEY}” do cơ quan “hg-ubnd” ban hành, không phải “hg-hdnd”."
    )}


def test_add_basis_takes_the_relation_and_still_refuses_a_cycle(db):
    kh18, nq160 = document("18/KH-UBND", "hg-ubnd"), document("160/NQ-CP", "tw-cp")
    DocumentBasis.objects.filter(document=kh18, basis=nq160).delete()
    link = add_basis(document=kh18, basis=nq160, relation=BasisRelation.REPLACES)
    assert DocumentBasis.objects.get(pk=link.pk).relation == BasisRelation.REPLACES
    with pytest.raises(ValidationError, match="đã \\(trực tiếp hoặc gián tiếp\\) căn cứ vào"):
        add_basis(document=nq160, basis=kh18, relation=BasisRelation.AMENDS)
    with pytest.raises(ValidationError):
        add_basis(document=kh18, basis=document("05-CT/TW", "tw-bbt"), relation="trich-dan")  # not a relation


def test_the_seed_cascade_carries_its_relations_marks_and_plan_text(db):
    relations = {
        (link.document.number, link.basis.number): link.relation
        for link in DocumentBasis.objects.select_related("document", "basis")
    }
    assert relations[("18/KH-UBND", "05-CT/TW")] == BasisRelation.IMPLEMENTS
    assert relations[("18/KH-UBND", "54-KH/TU")] == BasisRelation.IMPLEMENTS
    assert relations[("18/KH-UBND", "160/NQ-CP")] == BasisRelation.BASIS
    assert relations[("160/NQ-CP", "05-CT/TW")] == BasisRelation.IMPLEMENTS
    assert sum(r == BasisRelation.IMPLEMENTS for r in relations.values()) == 9 and len(relations) == 15
    kh18 = document("18/KH-UBND", "hg-ubnd")
    assert kh18.key == "hg-ubnd-18-kh-ubnd"
    assert kh18.purpose.startswith("- Cụ thể hóa, tổ chức thực hiện có hiệu quả Chỉ thị số 05-CT/TW và Kế hoạch số 54-KH/TU.\n")
    assert kh18.requirements.endswith("trong các chương trình, kế hoạch phát triển kinh tế - xã hội các cấp.")
    assert document("54-NQ/TW", "tw-bct").issued_on_unverified is True
    assert list(Document.objects.filter(issued_on_unverified=True).values_list("number", flat=True)) == ["54-NQ/TW"]


def test_the_admin_edits_the_new_fields_and_the_relation(imported, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("quantri.django", password="mat-khau-quan-tri"))
    plan = Document.objects.get(key=PLAN_KEY)
    page = client.get(reverse("admin:plans_document_change", args=[plan.pk])).content.decode()
    for name in ("number_unverified", "issued_on_unverified", "purpose", "requirements", "key", "basis_links-0-relation"):
        assert f'name="{name}"' in page, name
    listing = client.get(reverse("admin:plans_documentbasis_changelist"), {"relation__exact": "amends"}).content.decode()
    assert "Kế hoạch (chưa rõ số) Kế hoạch giảm nghèo thử" in listing and "160/NQ-CP" not in listing

    # A link added in the admin keeps the cascade acyclic, as add_basis does.
    ct05, kh18 = document("05-CT/TW", "tw-bbt"), document("18/KH-UBND", "hg-ubnd")
    response = client.post(reverse("admin:plans_documentbasis_add"), {"document": ct05.pk, "basis": kh18.pk, "relation": "basis"})
    assert response.status_code == 200
    assert "Không thể lấy Kế hoạch 18/KH-UBND làm căn cứ của Chỉ thị 05-CT/TW" in response.content.decode()
    assert not DocumentBasis.objects.filter(document=ct05, basis=kh18).exists()


def test_the_template_offers_the_new_choices(admin_client):
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(b"".join(admin_client.get(reverse("import_template")).streaming_content)))
    lists = book["Danh mục"]
    columns = {c.value: c.column_letter for c in lists[1]}
    assert [c.value for c in lists[columns["Quan hệ"]][1:] if c.value] == ["Căn cứ", "Thực hiện", "Thay thế", "Sửa đổi, bổ sung"]
    assert {"Quốc hội, Ủy ban Thường vụ Quốc hội", "Hội đồng nhân dân"} <= {c.value for c in lists[columns["Loại cơ quan"]]}
    assert [c.value for c in book["Căn cứ"][1]][-1] == "Quan hệ"
    guide = {(row[0], row[1]): row[2] for row in book["Hướng dẫn"].iter_rows(values_only=True) if row[1]}
    assert guide[("Văn bản", "Số hiệu")] in ("", None)  # not required: a document may have no number
    assert guide[("Văn bản", "Mã cơ quan ban hành")] == "Có"
