"""Agencies named in an appendix's cells, matched to the agencies of the plan's territory.

A cell may name several agencies ("Sở Tài chính; Sở NN&MT và UBND các huyện"): it is split on
",", ";", "và" and line breaks, except inside a name that holds them ("Sở Lao động - Thương binh và
Xã hội", "các sở, ban, ngành"), known from the territory's agencies and the abbreviation table.
Each name is compared, accents and abbreviations aside, with the names of the agencies of the
plan's territory, of the units above it and of the units right below it (rapidfuzz); names that
name several agencies prefer agencies of kind "Nhóm cơ quan".
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from exchange.services.names import abbreviations, comparable, guess_kind, is_collective, key
from plans.models import AdministrativeUnit, Agency, AgencyKind

PROPOSE_AT = 90  # a best match at least this close is proposed; below it, "tạo mới"
SHOWN_FROM = 60  # alternatives at least this close are offered
KIND_MISMATCH = 15  # a collective name against a single agency (or the reverse) counts this much less
OTHER_HEAD = 30  # "Sở ..." is never "Bộ ..." however alike the rest reads
OUT_OF_DATE = 5  # an agency that did not exist on the plan's date counts this much less
_SEPARATORS = re.compile(r"(\s*[,;]\s*|\s+và\s+|\s+va\s+)", re.IGNORECASE)
_BULLET = re.compile(r"^[\s\-+•*–]+")
_UNIT_WORDS = re.compile(r"^(tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran)\s+")
_TYPE_PREFIX = {2: "tinh", 3: "huyen", 4: "xa"}


def territory_names(unit: AdministrativeUnit) -> list[str]:
    """How a name may carry the unit: "hau giang", "tinh hau giang", "thuoc tinh hau giang"."""
    bare = _UNIT_WORDS.sub("", key(unit.name))
    words = {_TYPE_PREFIX.get(unit.level, ""), key(unit.division_type).split(" trung uong")[0], "thanh pho"}
    names = [bare] + [f"{w} {bare}" for w in sorted(words) if w]
    return names + [f"thuoc {n}" for n in names[1:]]


@dataclass
class Candidate:
    agency: Agency
    variants: list[str]


def candidates(unit: AdministrativeUnit) -> list[Candidate]:
    ids, current = {unit.pk}, unit
    while current.parent_id:
        current = current.parent
        ids.add(current.pk)
    ids |= set(AdministrativeUnit.objects.filter(parent=unit).values_list("pk", flat=True))
    places = territory_names(unit)
    expand = abbreviations().expand
    result = []
    for agency in Agency.objects.filter(unit_id__in=ids).select_related("unit").order_by("pk"):
        forms = {expand(key(agency.name))}
        if agency.short_name:
            forms.add(expand(key(agency.short_name)))
        for form in list(forms):
            for place in places:
                if form.endswith(" " + place):
                    forms.add(form[: -len(place) - 1])
        result.append(Candidate(agency, [comparable(f) for f in forms if f]))
    return result


@dataclass
class Match:
    agency: Agency
    score: int


@dataclass
class Mention:
    text: str  # as written in the cell
    full_key: str  # accents off, abbreviations spelled out
    collective: bool
    matches: list[Match] = field(default_factory=list)  # best first

    @property
    def ref(self) -> str:
        """A short stable name for the page's form field."""
        return "m" + hashlib.sha1(self.full_key.encode()).hexdigest()[:12]

    @property
    def proposed(self) -> str:
        """"a<pk>" for the best match when it is close enough, else "new"."""
        if self.matches and self.matches[0].score >= PROPOSE_AT:
            return f"a{self.matches[0].agency.pk}"
        return "new"

    @property
    def new_name(self) -> str:
        return abbreviations().expand_text(self.text)

    @property
    def new_kind(self) -> str:
        return guess_kind(self.full_key, collective=self.collective)


def score(full_key: str, candidate: Candidate, places: list[str], *, collective: bool, on: datetime.date | None) -> int:
    mine = [comparable(full_key)] + [comparable(f"{full_key} {p}") for p in places]
    best = max((fuzz.ratio(a, b) - (OTHER_HEAD if a.split()[:1] != b.split()[:1] else 0)
                for a in mine for b in candidate.variants), default=0)
    agency = candidate.agency
    if collective != (agency.kind == AgencyKind.COLLECTIVE):
        best -= KIND_MISMATCH
    if on and ((agency.valid_to and agency.valid_to < on) or (agency.valid_from and agency.valid_from > on)):
        best -= OUT_OF_DATE  # Sở LĐ-TB&XH for a plan of 2025: its successor comes first
    return round(best)


class Matcher:
    """Splits cells into agency names and proposes matches, for one plan's territory."""

    def __init__(self, unit: AdministrativeUnit, *, on: datetime.date | None = None):
        self.unit = unit
        self.on = on
        self.places = territory_names(unit)
        self.candidates = candidates(unit)
        self.known = set(abbreviations().expansions.values()) | {
            v for c in self.candidates for v in c.variants
        }
        self._mentions: dict[str, Mention] = {}

    def _is_known(self, phrase: str) -> bool:
        full = comparable(abbreviations().expand(key(phrase)))
        if full in self.known:
            return True
        return any(comparable(f"{full} {p}") in self.known for p in self.places)

    def split(self, cell: str) -> list[str]:
        names = []
        for line in cell.split("\n"):
            line = _BULLET.sub("", line).strip().rstrip(".")
            if not line:
                continue
            parts = _SEPARATORS.split(line)  # names and the separators between them
            pieces, glue = parts[0::2], parts[1::2]
            i = 0
            while i < len(pieces):
                for j in range(min(len(pieces), i + 8), i, -1):
                    if j == i + 1 or self._is_known(self._joined(pieces, glue, i, j)):
                        j = self._list_end(pieces, glue, i, j)
                        phrase = self._joined(pieces, glue, i, j).strip()
                        if phrase:
                            names.append(phrase)
                        i = j
                        break
        return names

    @staticmethod
    def _joined(pieces: list[str], glue: list[str], i: int, j: int) -> str:
        return "".join(pieces[k] + (glue[k] if k < j - 1 else "") for k in range(i, j))

    @staticmethod
    def _list_end(pieces: list[str], glue: list[str], i: int, j: int) -> int:
        """"Các sở, ngành chức năng", "UBND các huyện, thị xã": after a plural ("các"), pieces joined by
        a comma and starting in lower case continue the same collective name."""
        while (j < len(pieces) and glue[j - 1].strip() == "," and pieces[j][:1].islower()
               and not key(pieces[j]).startswith("cac ") and "cac" in key(Matcher._joined(pieces, glue, i, j)).split()):
            j += 1
        return j

    def mention(self, text: str) -> Mention:
        full_key = abbreviations().expand(key(text))
        found = self._mentions.get(full_key)
        if found is None:
            collective = is_collective(full_key)
            scored = [Match(c.agency, score(full_key, c, self.places, collective=collective, on=self.on)) for c in self.candidates]
            scored = sorted((m for m in scored if m.score >= SHOWN_FROM), key=lambda m: (-m.score, m.agency.pk))
            found = self._mentions[full_key] = Mention(text, full_key, collective, scored[:5])
        return found

    def mentions(self, cell: str) -> list[Mention]:
        result = []
        for name in self.split(cell):
            mention = self.mention(name)
            if mention not in result:
                result.append(mention)
        return result

    @property
    def all_mentions(self) -> list[Mention]:
        return list(self._mentions.values())
