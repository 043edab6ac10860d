"""Agency names the way people write them, in a form that compares: no accents, "&" as "và",
punctuation as spaces, abbreviations expanded from data/exchange/abbreviations.csv."""

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from plans.models import AgencyKind
from plans.text import search_key

DATA = Path(settings.BASE_DIR) / "data" / "exchange"
_PUNCTUATION = re.compile(r"[,;:.()\[\]\"'“”/\\–—-]+")
STOPWORDS = {"cac", "nhung"}


def key(text: str) -> str:
    """"Sở LĐ-TB&XH" -> "so ld tb va xh"."""
    return " ".join(_PUNCTUATION.sub(" ", search_key(text).replace("&", " va ")).split())


def comparable(text_key: str) -> str:
    return " ".join(word for word in text_key.split() if word not in STOPWORDS)


@dataclass(frozen=True)
class Abbreviations:
    expansions: dict[str, str]  # key of the written form -> key of the full form
    full_texts: dict[str, str]  # key of the written form -> the full form as written in the table
    collectives: frozenset[str]  # keys (written and full) of forms that name several agencies
    pattern: re.Pattern

    words: dict[str, str]  # single-word abbreviations: "ubnd" -> "uy ban nhan dan"

    def expand(self, text_key: str) -> str:
        spelled = " ".join(self.words.get(word, word) for word in text_key.split())
        return self.pattern.sub(lambda m: self.expansions[m.group(0)], spelled) if self.expansions else spelled

    def expand_text(self, text: str) -> str:
        """The written text with its abbreviations spelled out (for a new agency's name)."""
        whole = self.full_texts.get(key(text))
        words = (whole or text).split()
        out, i = [], 0
        while i < len(words):
            for j in range(min(len(words), i + 10), i, -1):
                full = self.full_texts.get(key(" ".join(words[i:j])))
                if full:
                    out.append(full)
                    i = j
                    break
            else:
                out.append(words[i])
                i += 1
        # Single words left ("UBND các huyện, ..." as the table writes it) are spelled out too.
        return " ".join(self.full_texts.get(key(w), w) if key(w) in self.words else w for w in " ".join(out).split())


@lru_cache(maxsize=1)
def abbreviations() -> Abbreviations:
    rows = []
    with (DATA / "abbreviations.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            short, full = row["Viết tắt"].strip(), row["Viết đầy đủ"].strip()
            if short and full:
                rows.append((short, full, row.get("Ghi chú", "").strip().lower().startswith("tập hợp")))
    # Single words first ("UBND" -> "uy ban nhan dan"), then phrases, both sides spelled out the same way.
    words = {key(short): key(full) for short, full, _ in rows if " " not in key(short)}

    def spelled(k: str) -> str:
        return " ".join(words.get(word, word) for word in k.split())

    expansions: dict[str, str] = {}
    full_texts: dict[str, str] = {}
    collectives: set[str] = set()
    for short, full, collective in rows:
        full_key = spelled(key(full))
        for written in (spelled(key(short)), full_key):
            expansions.setdefault(written, full_key)
        if not collective:  # a collective's other wording is kept as written in a new agency's name
            for written in (key(short), spelled(key(short)), key(full), full_key):
                full_texts.setdefault(written, full)
        if collective:
            collectives |= {spelled(key(short)), full_key}
    return Abbreviations(expansions, full_texts, frozenset(collectives), _pattern(expansions), words)


def _pattern(table: dict[str, str]) -> re.Pattern:
    alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


@lru_cache(maxsize=1)
def _kind_prefixes() -> list[tuple[str, str]]:
    with (DATA / "agency_kinds.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = [(key(r["Tên bắt đầu bằng"]), r["Mã loại cơ quan"].strip()) for r in csv.DictReader(f)]
    return sorted((r for r in rows if r[0] and r[1] in AgencyKind.values), key=lambda r: len(r[0]), reverse=True)


def guess_kind(full_key: str, *, collective: bool) -> str:
    if collective:
        return AgencyKind.COLLECTIVE
    for prefix, kind in _kind_prefixes():
        if full_key == prefix or full_key.startswith(prefix + " "):
            return kind
    return AgencyKind.OTHER


def is_collective(full_key: str) -> bool:
    return "cac" in full_key.split() or full_key in abbreviations().collectives
