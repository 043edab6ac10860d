"""Everything an appendix would write, worked out without writing: the tasks, the agencies each names,
which agency each name goes to (chosen on the page) and the agencies to create, with their codes."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from exchange.models import AppendixUpload
from exchange.services import intake
from exchange.services.codes import new_agency_code, territory_prefix
from exchange.services.matching import Matcher, Mention
from exchange.services.rows import PlannedTask, plan_tasks
from plans.models import Agency, AgencyKind, Recurrence, Task
from plans.text import search_key

NEW, SKIP = "new", "skip"


@dataclass
class NewAgency:
    mention: Mention
    code: str
    name: str
    short_name: str
    kind: str

    @property
    def kind_label(self) -> str:
        return AgencyKind(self.kind).label


@dataclass
class TaskLine:
    task: PlannedTask
    lead: list[Mention]
    coordinating: list[Mention]
    existing: Task | None  # a task of the document with the same number: updated
    lead_labels: list[str] = field(default_factory=list)
    coordinating_labels: list[str] = field(default_factory=list)

    @property
    def recurrence_label(self) -> str:
        return Recurrence(self.task.recurrence).label if self.task.recurrence else ""


@dataclass
class AgencyRow:
    mention: Mention
    options: list[tuple[str, str, bool]]  # value, label, selected


@dataclass
class Preview:
    upload: AppendixUpload
    lines: list[TaskLine]
    mentions: list[Mention]
    choices: dict[str, str]  # mention ref -> "a<pk>" | "new" | "skip"
    agencies: dict[str, Agency] = field(default_factory=dict)  # chosen existing agencies by mention ref
    new_agencies: dict[str, NewAgency] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    agency_rows: list[AgencyRow] = field(default_factory=list)

    def agency_label(self, mention: Mention) -> str:
        if mention.ref in self.agencies:
            return self.agencies[mention.ref].name
        if mention.ref in self.new_agencies:
            return _("%(name)s (tạo mới)") % {"name": self.new_agencies[mention.ref].name}
        return _("%(text)s (bỏ qua)") % {"text": mention.text}

    def _match_label(self, match) -> str:
        agency, on = match.agency, self.upload.document.issued_on
        label = f"{agency.name} ({agency.code}) — {match.score}%"
        if on and agency.valid_to and agency.valid_to < on:
            label += " — " + _("đã thôi hoạt động từ %(date)s") % {"date": f"{agency.valid_to:%d/%m/%Y}"}
        return label

    def _finish(self) -> None:
        for line in self.lines:
            line.lead_labels = [self.agency_label(m) for m in line.lead]
            line.coordinating_labels = [self.agency_label(m) for m in line.coordinating]
        for mention in self.mentions:
            chosen = self.choices[mention.ref]
            options = [(f"a{m.agency.pk}", self._match_label(m), chosen == f"a{m.agency.pk}") for m in mention.matches]
            name = _with_territory(mention, self.upload.document.territory)
            options.append((NEW, _("Tạo mới: %(name)s") % {"name": name}, chosen == NEW))
            options.append((SKIP, _("Bỏ qua (không ghi cơ quan này)"), chosen == SKIP))
            self.agency_rows.append(AgencyRow(mention, options))

    @property
    def counts(self) -> dict[str, int]:
        return {
            "tasks_new": sum(1 for line in self.lines if line.existing is None),
            "tasks_updated": sum(1 for line in self.lines if line.existing is not None),
            "agencies_new": len(self.new_agencies),
            "agencies_matched": len({a.pk for a in self.agencies.values()}),
        }


def _choice(mention: Mention, posted: dict[str, str], allowed: set[int]) -> str:
    value = posted.get(mention.ref) or mention.proposed
    if value in (NEW, SKIP):
        return value
    if value.startswith("a") and value[1:].isdigit() and int(value[1:]) in allowed:
        return value
    return mention.proposed


def build_preview(upload: AppendixUpload, *, choices: dict[str, str] | None = None) -> Preview:
    """The preview of `upload` with the admin's choices (`choices`, else those kept, else the proposals)."""
    document = upload.document
    table = intake.table_of(upload)
    tasks = plan_tasks(table.rows, header_row=upload.header_row or 0, fields=upload.fields, prefix=upload.number_prefix)
    matcher = Matcher(document.territory, on=document.issued_on)
    existing = {t.number: t for t in Task.objects.filter(document=document)}
    lines = [
        TaskLine(task, matcher.mentions(task.lead), matcher.mentions(task.coordinating), existing.get(task.number))
        for task in tasks
    ]
    mentions = matcher.all_mentions
    allowed = {c.agency.pk for c in matcher.candidates}
    posted = {**(upload.decisions or {}), **(choices or {})}
    preview = Preview(upload, lines, mentions, {m.ref: _choice(m, posted, allowed) for m in mentions})
    by_pk = {c.agency.pk: c.agency for c in matcher.candidates}
    prefix, taken = territory_prefix(document.territory), set()
    for mention in mentions:
        choice = preview.choices[mention.ref]
        if choice.startswith("a"):
            preview.agencies[mention.ref] = by_pk[int(choice[1:])]
        elif choice == NEW:
            name = _with_territory(mention, document.territory)
            short = mention.text if mention.text != name else ""
            preview.new_agencies[mention.ref] = NewAgency(
                mention, new_agency_code(written=mention.text, prefix=prefix, taken=taken), name[:300], short[:100],
                mention.new_kind,
            )
    if not tasks:
        preview.errors.append(_("Không có dòng nhiệm vụ nào dưới dòng tiêu đề: kiểm tra lại bảng và dòng tiêu đề."))
    for line in lines:
        if line.task.is_group or line.lead or not line.task.lead:
            continue
        preview.errors.append(_("Dòng %(line)s: không đọc được cơ quan chủ trì “%(text)s”.")
                              % {"line": line.task.line, "text": line.task.lead})
    preview._finish()
    return preview


def _with_territory(mention: Mention, unit) -> str:
    """A new agency's full name carries its territory, as the agencies already kept do."""
    name = mention.new_name
    kind = unit.division_type.lower().replace("trực thuộc", "").replace("trung ương", "").strip()
    if unit.name.lower().startswith(("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn")):
        place = unit.name[:1].lower() + unit.name[1:]  # "Tỉnh Bình Phước" -> "tỉnh Bình Phước"
    else:
        place = f"{kind} {unit.name}" if kind else unit.name
    if unit.name.lower() in name.lower() or search_key(place) in search_key(name):
        return name
    return f"{name} ({place})" if mention.collective else f"{name} {place}"
