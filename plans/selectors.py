"""Reads of the cascade that join or walk it. Each runs a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from plans.models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    BasisRelation,
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
    other_bases: list[Document] = field(default_factory=list)
    children: list["CascadeNode"] = field(default_factory=list)


def cascade_tree(*, root_number: str = ROOT_DOCUMENT_NUMBER) -> list[CascadeNode]:
    """Documents that implement the root, directly or through others, as a tree (two queries).

    The cascade is a DAG; to show it as a tree each document hangs under its deepest basis
    (the most specific one: KH 18 under NQ 160 rather than under CT 05) and lists the others.
    """
    documents = {
        d.pk: d for d in Document.objects.select_related("issuer", "territory").order_by("issued_on", "number")
    }
    bases_of: dict[int, list[int]] = defaultdict(list)
    for document_id, basis_id in DocumentBasis.objects.values_list("document_id", "basis_id"):
        bases_of[document_id].append(basis_id)

    depth: dict[int, int] = {}

    def depth_of(pk: int, path: frozenset[int] = frozenset()) -> int:
        # Longest chain of bases up to the root; -1 when the root is not above this document.
        if pk not in depth:
            if documents[pk].number == root_number:
                depth[pk] = 0
            else:
                above = [depth_of(b, path | {pk}) for b in bases_of.get(pk, []) if b not in path]
                reachable = [d for d in above if d >= 0]
                depth[pk] = max(reachable) + 1 if reachable else -1
        return depth[pk]

    def sort_key(pk: int):
        d = documents[pk]
        return (d.issued_on is None, d.issued_on, d.number)

    nodes = {pk: CascadeNode(d) for pk, d in documents.items() if depth_of(pk) >= 0}
    roots = []
    for pk in sorted(nodes, key=sort_key):
        bases = [b for b in bases_of.get(pk, []) if b in nodes]
        if not bases:
            roots.append(nodes[pk])
            continue
        parent = max(bases, key=lambda b: (depth[b], documents[b].issued_on is not None, documents[b].issued_on))
        nodes[parent].children.append(nodes[pk])
        nodes[pk].other_bases = [documents[b] for b in bases if b != parent]
    return roots


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


def task_tree(*, tasks: list[Task]) -> list[tuple[Task, int]]:
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


def document_detail(*, document_id: int) -> Document:
    """The document with everything its page shows, prefetched."""
    tasks = Task.objects.select_related("lead_agency").prefetch_related(
        "coordinating_agencies",
        Prefetch("implements", queryset=Task.objects.select_related("document")),
        Prefetch("implemented_by", queryset=Task.objects.select_related("document")),
    )
    return (
        Document.objects.select_related("issuer", "territory")
        .prefetch_related(
            Prefetch("basis_links", queryset=DocumentBasis.objects.select_related("basis__issuer")),
            Prefetch("implementation_links", queryset=DocumentBasis.objects.select_related("document__issuer")),
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


# How a document is named from the other end of a link: "Được thực hiện bởi" KH 18.
REVERSE_RELATION_LABELS = {
    BasisRelation.BASIS: _("Là căn cứ của"),
    BasisRelation.IMPLEMENTS: _("Được thực hiện bởi"),
    BasisRelation.REPLACES: _("Bị thay thế bởi"),
    BasisRelation.AMENDS: _("Được sửa đổi, bổ sung bởi"),
}


@dataclass
class RelatedGroup:
    label: str
    documents: list[Document]


def _by_relation(links: list[tuple[str, Document]], labels: dict) -> list[RelatedGroup]:
    groups = []
    for relation in BasisRelation:
        documents = sorted(
            (d for r, d in links if r == relation), key=lambda d: (d.issued_on is None, d.issued_on, d.number, d.key)
        )
        if documents:
            groups.append(RelatedGroup(str(labels[relation]), documents))
    return groups


def related_documents(*, document: Document) -> tuple[list[RelatedGroup], list[RelatedGroup]]:
    """The documents this one rests on, grouped by relation ("Căn cứ", "Thực hiện", "Thay thế",
    "Sửa đổi, bổ sung"), and those resting on it ("Được thực hiện bởi", "Bị thay thế bởi"...).
    Reads the links prefetched by document_detail."""
    above = _by_relation(
        [(link.relation, link.basis) for link in document.basis_links.all()],
        {relation: relation.label for relation in BasisRelation},
    )
    below = _by_relation(
        [(link.relation, link.document) for link in document.implementation_links.all()], REVERSE_RELATION_LABELS
    )
    return above, below


def agency_with_predecessors(*, agency: Agency) -> list[Agency]:
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


def tasks_for_agencies(*, agencies: list[Agency]) -> tuple[QuerySet[Task], QuerySet[Task]]:
    """Tasks the agencies lead, and tasks they coordinate."""
    base = Task.objects.select_related("document", "document__issuer", "lead_agency").order_by(
        "document__issued_on", "document__number", "position"
    )
    led = base.filter(lead_agency__in=agencies)
    coordinated = base.filter(coordinating_agencies__in=agencies).distinct()
    return led, coordinated


def unit_ancestors(*, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    ancestors = []
    current = unit.parent
    while current is not None:
        ancestors.append(current)
        current = current.parent
    return ancestors


def documents_covering(*, unit: AdministrativeUnit) -> QuerySet[Document]:
    """Documents whose territory is the unit, one of its ancestors, or a unit it succeeded."""
    predecessor_ids = UnitSuccession.objects.filter(successor=unit).values_list("predecessor_id", flat=True)
    territory_ids = [unit.pk] + [a.pk for a in unit_ancestors(unit=unit)]
    return (
        Document.objects.filter(Q(territory_id__in=territory_ids) | Q(territory_id__in=predecessor_ids))
        .select_related("issuer", "territory")
        .order_by("territory__level", "issued_on")
    )
