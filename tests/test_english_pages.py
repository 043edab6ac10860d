"""An English page shows no Vietnamese interface text: every user-facing message goes through gettext.

Data is Vietnamese legitimately (unit names such as "Hậu Giang", document titles, indicator names,
people's names), so neither check looks for Vietnamese letters as such:

- The source check reads the project's Python code (ast) and finds string constants with Vietnamese
  letters in places that reach a user (the message of an exception that is raised, of messages.*,
  of an HttpResponse, a form or row error, a field's label/help text, an admin description, the
  return value of a label/message function, a variable named error/message/note...) that are not
  inside a gettext call. Management commands are left out: they talk to the operator on the
  server's console, not to a user of the pages. The import sheets' column headers and choice values
  are a file format and stay Vietnamese in every language (`column_name=`, dictionary keys, sheet
  values); the audit trail's reasons are stored data. Neither is in these places.
- The template check finds Vietnamese text in templates outside {% translate %} and
  {% blocktranslate %} (a template holds no data: its Vietnamese is all interface).
- The page check signs in as the demo personas with English chosen, opens pages (some with form
  errors) and fails on a text node that is, whole, a Vietnamese msgid of the catalogue (a string the
  catalogue translates, shown untranslated) or that holds a phrase from a fixed list of Vietnamese
  interface words that no data value contains.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.test_i18n import PO_FILE, parse_po

ROOT = Path(settings.BASE_DIR)
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ]"
)
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext",
           "npgettext_lazy", "gettext_noop", "_lazy", "_noop"}
# Calls whose arguments are a message a user reads.
MESSAGE_CALLS = {"ValidationError", "PermissionDenied", "Http404", "SuspiciousOperation", "HttpResponse",
                 "HttpResponseBadRequest", "HttpResponseForbidden", "HttpResponseNotFound", "add_error", "row_error",
                 "refuse", "UploadRefused", "success", "warning", "info", "add_message"}
# `x.error(...)`: messages.error, and the row errors of the import previews.
MESSAGE_METHODS = {"error"}
# Keyword arguments a page or the admin shows, and names (variables, attributes, dictionaries
# subscripted) that hold such a text before it is raised or returned.
SHOWN_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "description",
                  "short_description", "message", "placeholder", "refusal", "note"}
SHOWN_NAME = re.compile(r"^_*(errors?|problems?|messages?|refusal|notes?|warnings?|labels?|help_text|verbose_name"
                        r"|short_description|empty_label)$")
# Keyword arguments that name a column of an import sheet: a file format, Vietnamese in every language.
FILE_FORMAT_KEYWORDS = {"column_name"}
# Dictionary keys whose values a page shows (row errors kept in the session).
SHOWN_KEYS = {"message"}
# Functions whose return value is a text a page shows.
LABEL_FUNCTION = re.compile(r"label|message|explain|describe|reason_text")
SKIPPED_DIRS = {".venv", "tests", "bench", "migrations", "staticfiles", "node_modules", "commands", "build"}
# Known places where Vietnamese is data, not interface (path, first line of the constant).
ALLOWED: set[tuple[str, int]] = set()


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _target_name(target: ast.expr) -> str | None:
    """`error`, `self.error`, `errors["value"]`: the name a value is stored under."""
    while isinstance(target, ast.Subscript):
        target = target.value
    return _name(target)


def _vietnamese_outside_gettext(node: ast.AST):
    """String constants with Vietnamese letters under `node`, skipping gettext calls."""
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and VIETNAMESE.search(node.value):
        yield node
    for child in ast.iter_child_nodes(node):
        if not (isinstance(child, ast.keyword) and child.arg in FILE_FORMAT_KEYWORDS):
            yield from _vietnamese_outside_gettext(child)


def _shown_expressions(tree: ast.AST):
    """Expressions whose value reaches a user."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            yield from node.exc.args
            yield from (keyword.value for keyword in node.exc.keywords)
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name in MESSAGE_CALLS or (name in MESSAGE_METHODS and isinstance(node.func, ast.Attribute)):
                yield from node.args
            yield from (keyword.value for keyword in node.keywords if keyword.arg in SHOWN_KEYWORDS)
        elif isinstance(node, ast.Dict):
            yield from (value for key, value in zip(node.keys, node.values)
                        if isinstance(key, ast.Constant) and key.value in SHOWN_KEYS)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and LABEL_FUNCTION.search(node.name):
            yield from (child.value for child in ast.walk(node) if isinstance(child, ast.Return) and child.value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(SHOWN_NAME.match(_target_name(target) or "") for target in targets):
                yield node.value


def untranslated_in_source() -> list[str]:
    found = set()
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts[:-1]):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for expression in _shown_expressions(tree):
            for constant in _vietnamese_outside_gettext(expression):
                if (str(relative), constant.lineno) not in ALLOWED:
                    found.add(f"{relative}:{constant.lineno}: {constant.value[:70]!r}")
    return sorted(found)


def test_every_message_in_the_source_goes_through_gettext():
    found = untranslated_in_source()
    assert not found, "Vietnamese shown to a user outside gettext:\n" + "\n".join(found)


TEMPLATE_SKIPPED = re.compile(
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
# A string argument of a tag or filter ({{ x|default:"Chưa có" }}, {% include ... with label="..." %})
# outside translate/_(...).
TEMPLATE_LITERAL = re.compile(r"""(?<!_\()(?<!translate )(?<!trans )("[^"]*"|'[^']*')""")


def untranslated_in_templates() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("templates/**/*.*")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts) or path.suffix not in (".html", ".txt", ".xml", ".svg"):
            continue
        source = path.read_text(encoding="utf-8")
        text = TEMPLATE_SKIPPED.sub(lambda m: "\n" * m.group().count("\n"), source)
        for number, line in enumerate(text.splitlines(), 1):
            if VIETNAMESE.search(line):
                found.append(f"{relative}:{number}: {line.strip()[:80]}")
        for tag in re.finditer(r"\{%(?!\s*(?:translate|trans|blocktrans|blocktranslate|comment)\b).*?%\}|\{\{.*?\}\}",
                               source, re.S):
            for literal in TEMPLATE_LITERAL.findall(tag.group()):
                if VIETNAMESE.search(literal):
                    number = source.count("\n", 0, tag.start()) + 1
                    found.append(f"{relative}:{number}: {tag.group()[:80]}")
    return found


def test_every_template_text_goes_through_translate():
    found = untranslated_in_templates()
    assert not found, "Vietnamese in templates outside {% translate %}:\n" + "\n".join(found)


# ---------------------------------------------------------------------------------------------
# The pages, in English

# Interface phrases no data value holds (unit, document, indicator and people's names, task texts):
# found in a text node of an English page, they are an untranslated message.
VIETNAMESE_UI_PHRASES = [
    "Không được để trống", "Bạn không có quyền", "Bạn chưa được phân công", "ngoài phạm vi của bạn",
    "không phải là số", "Hãy nhập", "Hãy chọn", "Hãy ghi", "Hãy nêu", "phải nằm trong khoảng", "Nhập cả tử số",
    "Không tự duyệt", "Đăng xuất", "Đăng nhập", "Trang chủ", "Việc của tôi", "Tìm kiếm", "Gửi duyệt", "đã khóa",
    "Bạn ", "của bạn", "Chưa có số liệu", "Cần ít nhất", "Không có quyền", "nằm ngoài thời hạn",
]
# Text nodes that are, whole, one of these words are interface: no data value is a bare "Lưu".
VIETNAMESE_UI_WORDS = {"Lưu", "Chỉ tiêu", "Năm", "Kỳ", "Giá trị", "Trạng thái", "Địa bàn", "Văn bản", "Xem", "Sửa", "Xóa"}
# Attributes a person reads.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
PAGES_PER_SHAPE = 1
PAGES_PER_PERSONA = 45
START = ["home", "document_list", "my_work", "review_queue", "dashboard", "register_home", "explanation_list",
         "quality_findings", "account"]


class _Text(HTMLParser):
    """The text nodes of a page a person reads (not scripts and styles), with the attributes they read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        self.nodes += [value for name, value in attrs.items() if name in READ_ATTRIBUTES and value]
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button") and attrs.get("value"):
            self.nodes.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data)


def text_nodes(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [" ".join(node.split()) for node in parser.nodes]


@pytest.fixture(scope="module")
def catalogue():
    """The msgids the catalogue translates, as one pattern matching a whole text node
    (a placeholder matches any text)."""
    msgids = sorted({" ".join(entry["msgid"].split()) for entry in parse_po(PO_FILE)[1:]
                     if VIETNAMESE.search(entry["msgid"]) and any(
                         value.strip() and value != entry["msgid"]
                         for key, value in entry.items() if key.startswith("msgstr"))}, key=len, reverse=True)
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    # A msgid with placeholders is looked for only when its own words are enough to tell it from data:
    # "%(first)s và %(last)s" would match every name with "và" in it.
    telling = [msgid for msgid in msgids if len(re.findall(r"\w+", placeholder.sub(" ", msgid))) >= 3]
    return re.compile("|".join(".+?".join(re.escape(part.replace("%%", "%")) for part in placeholder.split(msgid))
                               for msgid in telling))


@pytest.fixture
def data_values(db) -> set[str]:
    """Names and titles of the records: a text node that is one of them is data, even when the
    same words are a msgid too (the agency "Chính phủ" and the kind of agency "Chính phủ")."""
    from indicators.models import DimensionOption, Indicator
    from plans.models import AdministrativeUnit, Agency, Document, Task

    values = set()
    for model, fields in ((AdministrativeUnit, ["name"]), (Agency, ["name", "short_name"]),
                          (Document, ["title", "number"]), (Task, ["title", "text"]), (Indicator, ["name"]),
                          (DimensionOption, ["name"]), (get_user_model(), ["first_name", "last_name"])):
        for field in fields:
            values |= {" ".join(value.split()) for value in model.objects.values_list(field, flat=True) if value}
    return values


def untranslated_on_page(html: str, catalogue: re.Pattern, data: set[str]) -> list[str]:
    found = []
    for node in text_nodes(html):
        if node in data:
            continue
        if catalogue.fullmatch(node):
            found.append(f"catalogue msgid: {node[:100]!r}")
        elif node in VIETNAMESE_UI_WORDS or any(phrase in node for phrase in VIETNAMESE_UI_PHRASES):
            found.append(f"interface text: {node[:100]!r}")
    return found


def english_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))  # with the second factor (conftest)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _html(response) -> str:
    if "text/html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return ""
    return response.content.decode(response.charset or "utf-8", errors="replace")


class _PostForm(HTMLParser):
    """The fields, with their default values, of the page's first form posted to the page's own path."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.action, self.fields, self._inside, self._select = url, None, {}, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urljoin(self.url, attrs.get("action") or self.url)
            self._inside = (self.action is None and (attrs.get("method") or "").lower() == "post"
                            and urlsplit(action).path == urlsplit(self.url).path)
            if self._inside:
                self.action = action
        elif self._inside and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if tag == "input" and kind not in ("submit", "button", "file", "checkbox", "radio"):
                self.fields[attrs["name"]] = attrs.get("value") or ""
            elif tag == "textarea":
                self.fields[attrs["name"]] = ""
            elif tag == "select":
                self._select = attrs["name"]
        elif self._inside and tag == "option" and self._select:
            if self._select not in self.fields or "selected" in attrs:
                self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None


def post_form(client: Client, url: str, changes: dict):
    """Open the page, change some fields of its form and post it; the page shown after."""
    parser = _PostForm(url)
    parser.feed(_html(client.get(url)))
    assert parser.action, f"no form posting to {url}"
    return client.post(parser.action, {**parser.fields, **changes}, follow=True)


@pytest.fixture
def demo_users(db):
    call_command("create_demo_users", force=True, verbosity=0)


def _hg_poverty_target():
    from indicators.models import Target

    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def test_pages_with_form_errors_read_english(demo_users, catalogue, data_values):
    """The messages of services and forms, after a wrong entry, in English."""
    officer = english_client("canbo.haugiang")
    entry = reverse("actual_entry", args=[_hg_poverty_target().pk]) + "?nam=2023"  # Hậu Giang, before the merger
    problems = set()
    for changes in ({"year": "2023", "value": "150"}, {"year": "2023", "value": "", "numerator": "5"},
                    {"year": "2031", "value": "4"}, {"year": "2023", "value": "abc"}):
        response = post_form(officer, entry, changes)
        assert response.status_code in (200, 400, 409), (changes, response.status_code)
        assert response["Content-Language"] == "en"
        problems.update({f"{entry} {changes}: {problem}" for problem in untranslated_on_page(_html(response), catalogue, data_values)})
    leader = english_client("lanhdao")
    response = leader.post(reverse("explanation_request_target", args=[_hg_poverty_target().pk]),
                           {"question": " ", "due_on": "ngày mai"}, follow=True)
    problems.update({f"explanation request: {problem}" for problem in untranslated_on_page(_html(response), catalogue, data_values)})
    assert not problems, "\n".join(sorted(problems))


def test_the_pages_of_every_persona_read_english(demo_users, catalogue, data_values):
    """Each demo persona follows the links of its pages (bounded, one URL of each shape), in English."""
    from indicators import services
    from plans.management.commands.create_demo_users import DEMO_USERS
    from tests.crawl import links_in, shape_of, wanted

    target = _hg_poverty_target()
    officer = get_user_model().objects.get(username="canbo.haugiang")
    for year, value in ((2022, 3), (2023, 2)):  # figures to read: a draft and a submitted one
        actual = services.save_actual(user=officer, indicator=target.indicator, unit=target.territory, year=year,
                                      value=value, target=target)
    services.submit_actual(user=officer, actual=actual)
    problems = set()
    for username, *_rest in DEMO_USERS:
        client = english_client(username)
        queue, seen, shapes = [reverse(name) for name in START], set(), {}
        while queue and len(seen) < PAGES_PER_PERSONA:
            url = queue.pop(0)
            shape = shape_of(url)
            if url in seen or not wanted(url) or url.startswith("/quan-tri/") or shapes.get(shape, 0) >= PAGES_PER_SHAPE:
                continue
            seen.add(url)
            shapes[shape] = shapes.get(shape, 0) + 1
            response = client.get(url)
            html = _html(response)
            problems |= {f"{username} {url}: {problem}" for problem in untranslated_on_page(html, catalogue, data_values)}
            if 300 <= response.status_code < 400:
                html = f'<a href="{response["Location"]}">'
            queue += [link for link in links_in(html, url) if link not in seen]
    assert not problems, "\n".join(sorted(problems))


if __name__ == "__main__":
    print("\n".join(untranslated_in_source() + untranslated_in_templates()))
