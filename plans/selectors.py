"""Reads of the cascade that join or walk it. Each runs a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from plans.models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Document,
    DocumentBasis,
    Task,
    UnitLevel,
    UnitSuccession,
)
from plans.text import search_key

ROOT_DOCUMENT_NUMBER = "05-CT/TW"


@dataclass
class CascadeNode:
    document: Document
    children: list["CascadeNode"] = field(default_factory=list)


def cascade_tree(root_number: str = ROOT_DOCUMENT_NUMBER) -> list[CascadeNode]:
    """Documents that implement the root, directly or through others, as a tree (two queries).

    The cascade is a DAG: a document resting on two documents of the tree appears under each.
    """
    documents = {
        d.pk: d
        for d in Document.objects.select_related("issuer", "territory").order_by("issued_on", "number")
    }
    children_of: dict[int, list[int]] = defaultdict(list)
    for document_id, basis_id in DocumentBasis.objects.values_list("document_id", "basis_id"):
        children_of[basis_id].append(document_id)

    def build(document_id: int, path: frozenset[int]) -> CascadeNode:
        node = CascadeNode(documents[document_id])
        kids = sorted(children_of.get(document_id, []), key=lambda pk: (documents[pk].issued_on is None, documents[pk].issued_on, documents[pk].number))
        for child_id in kids:
            if child_id not in path:
                node.children.append(build(child_id, path | {child_id}))
        return node

    roots = [pk for pk, d in documents.items() if d.number == root_number]
    return [build(pk, frozenset({pk})) for pk in roots]


# A document's level is its issuer's: NQ 54-NQ/TW is central although it concerns one province.
DOCUMENT_LEVELS = {
    "central": Q(issuer__unit__level=UnitLevel.NATION),
    "province": Q(issuer__unit__level=UnitLevel.PROVINCE),
    "district": Q(issuer__unit__level=UnitLevel.DISTRICT),
    "commune": Q(issuer__unit__level=UnitLevel.COMMUNE),
}


def document_list(
    *, level: str = "", issuer_code: str = "", province_id: int | None = None, query: str = ""
) -> QuerySet[Document]:
    documents = Document.objects.select_related("issuer__unit", "territory").order_by(
        "issuer__unit__level", "issued_on", "number"
    )
    if level in DOCUMENT_LEVELS:
        documents = documents.filter(DOCUMENT_LEVELS[level])
    if issuer_code:
        documents = documents.filter(issuer__code=issuer_code)
    if province_id:
        documents = documents.filter(
            Q(territory_id=province_id) | Q(territory__parent_id=province_id) | Q(territory__parent__parent_id=province_id)
        )
    if query:
        documents = documents.filter(search_key__contains=search_key(query))
    return documents


def provinces_with_documents() -> QuerySet[AdministrativeUnit]:
    """Provinces that hold a document themselves or through one of their districts or communes."""
    return (
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE)
        .filter(
            Q(documents__isnull=False)
            | Q(children__documents__isnull=False)
            | Q(children__children__documents__isnull=False)
        )
        .distinct()
        .order_by("name")
    )


def issuers_with_documents() -> QuerySet[Agency]:
    return Agency.objects.filter(issued_documents__isnull=False).distinct().order_by("name")


def task_tree(tasks: list[Task]) -> list[tuple[Task, int]]:
    """Tasks in document order with their depth, parents before children."""
    children: dict[int | None, list[Task]] = defaultdict(list)
    for task in tasks:
        children[task.parent_id].append(task)
    ordered: list[tuple[Task, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for task in sorted(children.get(parent_id, []), key=lambda t: t.position):
            ordered.append((task, depth))
            walk(task.pk, depth + 1)

    walk(None, 0)
    return ordered


def document_detail(document_id: int) -> Document:
    """The document with everything its page shows, prefetched."""
    tasks = Task.objects.select_related("lead_agency").prefetch_related(
        "coordinating_agencies",
        Prefetch("implements", queryset=Task.objects.select_related("document")),
        Prefetch("implemented_by", queryset=Task.objects.select_related("document")),
    )
    return (
        Document.objects.select_related("issuer", "territory")
        .prefetch_related(
            Prefetch("bases", queryset=Document.objects.select_related("issuer")),
            Prefetch("implementations", queryset=Document.objects.select_related("issuer")),
            Prefetch("tasks", queryset=tasks),
            # Targets belong to the indicators app; named by relation so that plans imports nothing from it.
            "targets__indicator",
            "targets__territory",
            "targets__compare_units",
            "targets__restates__document",
            "targets__restated_by__document",
        )
        .get(pk=document_id)
    )


def agency_with_predecessors(agency: Agency) -> list[Agency]:
    """The agency and every agency whose work passed to it, transitively (one query per generation)."""
    lineage = [agency]
    seen = {agency.pk}
    frontier = [agency.pk]
    while frontier:
        links = AgencySuccession.objects.filter(successor_id__in=frontier).select_related("predecessor")
        frontier = []
        for link in links:
            if link.predecessor_id not in seen:
                seen.add(link.predecessor_id)
                lineage.append(link.predecessor)
                frontier.append(link.predecessor_id)
    return lineage


def tasks_for_agencies(agencies: list[Agency]) -> tuple[QuerySet[Task], QuerySet[Task]]:
    """Tasks the agencies lead, and tasks they coordinate."""
    base = Task.objects.select_related("document", "document__issuer", "lead_agency").order_by(
        "document__issued_on", "document__number", "position"
    )
    led = base.filter(lead_agency__in=agencies)
    coordinated = base.filter(coordinating_agencies__in=agencies).distinct()
    return led, coordinated


def unit_ancestors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    ancestors = []
    current = unit.parent
    while current is not None:
        ancestors.append(current)
        current = current.parent
    return ancestors


def documents_covering(unit: AdministrativeUnit) -> QuerySet[Document]:
    """Documents whose territory is the unit, one of its ancestors, or a unit it succeeded."""
    predecessor_ids = UnitSuccession.objects.filter(successor=unit).values_list("predecessor_id", flat=True)
    territory_ids = [unit.pk] + [a.pk for a in unit_ancestors(unit)]
    return (
        Document.objects.filter(Q(territory_id__in=territory_ids) | Q(territory_id__in=predecessor_ids))
        .select_related("issuer", "territory")
        .order_by("territory__level", "issued_on")
    )
