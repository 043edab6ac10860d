"""Pages for browsing the cascade. Plans are public documents: any signed-in user may read them."""

from django.contrib.auth.decorators import login_required
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from plans import selectors
from plans.models import AdministrativeUnit, Agency, Document
from plans.text import query_number


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/home.html", {"cascade": selectors.cascade_tree()})


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("cap", "")
    issuer_code = request.GET.get("co_quan", "")
    if not slug_re.fullmatch(issuer_code):  # agency codes are slugs; a NUL would reach PostgreSQL
        issuer_code = ""
    province_id = request.GET.get("tinh", "")
    query = request.GET.get("q", "").strip()
    documents = selectors.document_list(
        level=level,
        issuer_code=issuer_code,
        province_id=query_number(province_id, max_digits=18),
        query=query,
    )
    context = {
        "documents": documents,
        "levels": [
            ("central", _("Trung ương")),
            ("province", _("Tỉnh, thành phố")),
            ("district", _("Huyện, thành phố thuộc tỉnh")),
            ("commune", _("Xã, phường")),
        ],
        "issuers": selectors.issuers_with_documents(),
        "provinces": selectors.provinces_with_documents(),
        "selected": {"cap": level, "co_quan": issuer_code, "tinh": province_id, "q": query},
    }
    return render(request, "plans/document_list.html", context)


@login_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    get_object_or_404(Document, pk=document_id)
    document = selectors.document_detail(document_id=document_id)
    above, below = selectors.related_documents(document=document)
    context = {
        "document": document,
        "tasks": selectors.task_tree(tasks=list(document.tasks.all())),
        "bases_by_relation": above,
        "implementations_by_relation": below,
    }
    return render(request, "plans/document_detail.html", context)


@login_required
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("unit"), code=code)
    lineage = selectors.agency_with_predecessors(agency=agency)
    led, coordinated = selectors.tasks_for_agencies(agencies=lineage)
    context = {
        "agency": agency,
        "predecessors": lineage[1:],
        "successor_links": agency.successor_links.select_related("successor"),
        "led_tasks": led,
        "coordinated_tasks": coordinated,
        "issued_documents": agency.issued_documents.order_by("issued_on"),
    }
    return render(request, "plans/agency_detail.html", context)


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(AdministrativeUnit.objects.select_related("parent", "region"), pk=unit_id)
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit=unit),
        "documents": selectors.documents_covering(unit=unit),
        "successor_links": unit.successor_links.select_related("successor"),
        "predecessor_links": unit.predecessor_links.select_related("predecessor"),
        "children_count": unit.children.count(),
    }
    return render(request, "plans/unit_detail.html", context)
