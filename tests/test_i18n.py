"""English by the language switch; the English catalogue is complete and compiled."""

import ast
import gettext
import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


def switch_language(client, code):
    response = client.post(reverse("set_language"), {"language": code, "next": reverse("home")})
    assert response.status_code == 302
    return response


def test_the_switch_turns_the_home_page_english_and_back(logged_in_client):
    client = logged_in_client
    page = client.get(reverse("home"))
    assert page["Content-Language"] == "vi"
    assert "Hệ thống văn bản giảm nghèo bền vững" in page.content.decode()

    switch_language(client, "en")
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert page["Content-Language"] == "en"
    html = page.content.decode()
    assert '<html lang="en">' in html
    for english in [
        "Sustainable poverty reduction documents",
        "Each document below is based on the one above it",
        ">Document cascade</a>",
        ">Documents</a>",
        ">Log out</button>",
    ]:
        assert english in html, english
    assert "Hệ thống văn bản giảm nghèo bền vững" not in html
    assert "Đăng xuất" not in html

    switch_language(client, "vi")
    page = client.get(reverse("home"))
    assert page["Content-Language"] == "vi"
    html = page.content.decode()
    assert "Hệ thống văn bản giảm nghèo bền vững" in html
    assert ">Đăng xuất</button>" in html
    assert "Log out" not in html


def test_djangos_own_messages_read_as_vietnamese(client, db):
    """locale/vi corrects the few messages of Django's that our users meet, or that it lacks."""
    from django import forms

    response = client.post(reverse("login"), {"username": "canbo\x00", "password": "mat-khau"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    with translation.override("vi"):
        with pytest.raises(forms.ValidationError) as error:
            forms.CharField().clean("canbo\x00")
    assert error.value.messages[0].startswith("Nội dung có ký tự không hợp lệ (NUL)")
    with translation.override("vi"):
        field = forms.IntegerField()
        with pytest.raises(forms.ValidationError) as error:
            field.clean("hai")
    assert error.value.messages == ["Hãy nhập một số nguyên."]


def test_the_lockout_page_is_translated_too(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=dt_timezone.utc), tick=False) as clock:
        for attempt in range(8):  # 2^(8-3) = 32 s to wait after the eighth
            response = client.post(reverse("login"), {"username": "ai-do", "password": f"sai-{attempt}"})
            clock.shift(timedelta(minutes=1))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please try again in 32 seconds; the right password will then work as usual." in page
    assert "Back to the login page" in page


def test_the_invitation_reads_english_to_the_end(db, mailoutbox):
    from django.contrib.auth import get_user_model

    from accounts.emails import send_invitation

    person = get_user_model().objects.create_user("moi", email="moi@example.org", first_name="Lan")
    inviter = get_user_model().objects.create_user("quantri")
    with translation.override("en"):
        send_invitation(user=person, inviter=inviter, link="https://example.org/dat-mat-khau")
    (mail,) = mailoutbox
    assert mail.subject == "Your povertyplan account"
    assert "Username: moi" in mail.body
    assert "If the link has expired, use “Forgot your password?” on the login page." in mail.body


def test_no_template_string_escapes_a_quote():
    """makemessages cuts {% translate "… \\"x\\" …" %} at the backslash, so the page's msgid is never
    in the catalogue and shows in Vietnamese: write “x” (as the interface does) or use the other quote."""
    escaped = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"[^"]*\\"|'[^']*\\')""")
    found = [f"{path}:{number}" for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.*"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if escaped.search(line)]
    assert not found, found


# The catalogue itself: checked from the files only, so that strings added later to templates
# do not fail this test (they show in Vietnamese until makemessages picks them up).


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {'flags', 'msgctxt'?, 'msgid', 'msgid_plural'?, 'msgstr' or 'msgstr[N]'}."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.match(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(\".*\")$", line):
            field = match.group(1)
            entry[field] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
        else:
            raise AssertionError(f"unreadable .po line: {line!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO_FILE)
    assert entries[0]["msgid"] == "", "the header comes first"
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_the_catalogue_holds_the_interface(po_entries):
    msgids = {entry["msgid"] for entry in po_entries}
    assert len(msgids) > 200
    for msgid in ["Đăng nhập", "Hệ thống văn bản", "Tạm dừng đăng nhập", "chỉ tiêu", "Cả nước"]:
        assert msgid in msgids, msgid


def test_every_msgid_has_an_english_msgstr(po_entries):
    empty = [e["msgid"] for e in po_entries[1:] if not all(s.strip() for s in translations(e))]
    assert not empty, f"untranslated in {PO_FILE.name}: {empty}"
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy (ignored by compilemessages) in {PO_FILE.name}: {fuzzy}"
    plural_forms = [e for e in po_entries if "msgid_plural" in e]
    for entry in plural_forms:
        assert {"msgstr[0]", "msgstr[1]"} <= entry.keys(), entry["msgid"]


def test_the_placeholders_survive_translation(po_entries):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for entry in po_entries[1:]:
        expected = sorted(placeholder.findall(entry["msgid"]))
        for value in translations(entry):
            assert sorted(placeholder.findall(value)) == expected, entry["msgid"]


def test_the_committed_mo_matches_the_po(po_entries):
    """The .mo is committed (no gettext on a fresh machine): it must be compiled from this .po."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries[1:]:
        stale = f"django.mo is stale for {entry['msgid']!r}: run compilemessages -l en"
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for n, key in [(1, "msgstr[0]"), (2, "msgstr[1]")]:
                args = (entry["msgid"], entry["msgid_plural"], n)
                found = compiled.npgettext(context, *args) if context else compiled.ngettext(*args)
                assert found == entry[key], stale
        else:
            found = compiled.pgettext(context, entry["msgid"]) if context else compiled.gettext(entry["msgid"])
            assert found == entry["msgstr"], stale
