"""User administration in the app: a unit administrator of Huế manages Huế's users and can do
nothing to Cần Thơ's; a national administrator manages everyone; officers, leaders and anonymous
visitors are refused. Every change is audited with who and why; idle accounts are locked nightly."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import selectors
from plans.models import AdminMap, Agency, Membership, Role
from review.models import AuditEntry
from tests.conftest import make_user, unit

SET_PASSWORD_LINK = re.compile(r"https?://[^/\s]+(/dat-mat-khau/[^\s]+/)")
HUE, CAN_THO = ("46", AdminMap.CURRENT), ("92", AdminMap.CURRENT)


@pytest.fixture
def people(personas):
    return SimpleNamespace(
        admin_hue=make_user("quantri.hue", Role.UNIT_ADMIN, HUE),
        national=personas.admin,
        officer=personas.officer_hue,
        leader=personas.leader,
        hue_user=personas.officer_hue,
        can_tho_user=personas.officer_hg,
    )


def audit_of(user):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(get_user_model()), object_id=user.pk)


def client_for(actor) -> Client:
    client = Client()
    if actor is not None:
        client.force_login(actor)
    return client


# --- The refusal matrix: each action × target territory × who asks ------------------------------------

def _list(client, people, target):
    response = client.get(reverse("user_list"))
    done = response.status_code == 200 and f">{target.username}</a>" in response.content.decode()
    return response, done


def _detail(client, people, target):
    response = client.get(reverse("user_detail", args=[target.pk]))
    return response, response.status_code == 200


def _invite(client, people, target):
    place = target.memberships.get().unit
    response = client.post(reverse("user_invite"), {
        "full_name": "Nguyễn Văn Mới", "email": "moi@example.vn", "username": "canbo.moi",
        "unit": place.pk, "agency": "", "role": Role.OFFICER, "reason": "Cán bộ mới nhận việc",
    })
    return response, get_user_model().objects.filter(username="canbo.moi").exists()


def _add_membership(client, people, target):
    place = target.memberships.get().unit
    response = client.post(reverse("membership_add", args=[target.pk]),
                           {"unit": place.pk, "agency": "", "role": Role.LEADER, "reason": "Kiêm nhiệm"})
    return response, target.memberships.filter(role=Role.LEADER).exists()


def _remove_membership(client, people, target):
    extra = Membership.objects.create(user=target, unit=target.memberships.get().unit, role=Role.LEADER)
    response = client.post(reverse("membership_remove", args=[target.pk, extra.pk]), {"reason": "Hết kiêm nhiệm"})
    return response, not Membership.objects.filter(pk=extra.pk).exists()


def _deactivate(client, people, target):
    response = client.post(reverse("user_deactivate", args=[target.pk]), {"reason": "Nghỉ việc"})
    target.refresh_from_db()
    return response, not target.is_active


ACTIONS = {"list": _list, "detail": _detail, "invite": _invite, "add_membership": _add_membership,
           "remove_membership": _remove_membership, "deactivate": _deactivate}

# Who asks → (own territory = Huế's user, other territory = Cần Thơ's user) → expected outcome.
# "ok": done; a number: that status and nothing done; "hidden": the list shows no such user;
# "form": the form is shown again with an error and nothing is done.
MATRIX = {
    "admin_hue": {"own": "ok", "other": {"list": "hidden", "invite": "form", "*": 404}},
    "national": {"own": "ok", "other": "ok"},
    "officer": {"own": 403, "other": 403},
    "leader": {"own": 403, "other": 403},
    "anonymous": {"own": "login", "other": "login"},
}


def _expected(actor: str, territory: str, action: str):
    outcome = MATRIX[actor][territory]
    if isinstance(outcome, dict):
        outcome = outcome.get(action, outcome["*"])
    return outcome


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("territory", ["own", "other"])
@pytest.mark.parametrize("actor", MATRIX)
def test_refusal_matrix(people, actor, territory, action, django_capture_on_commit_callbacks):
    target = people.hue_user if territory == "own" else people.can_tho_user
    client = client_for(None if actor == "anonymous" else getattr(people, actor))
    audit_before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response, done = ACTIONS[action](client, people, target)
    expected = _expected(actor, territory, action)
    if expected == "ok":
        assert response.status_code in (200, 302) and done, response.status_code
        if action not in ("list", "detail"):
            assert AuditEntry.objects.count() == audit_before + 1
        assert len(mail.outbox) == (1 if action == "invite" else 0)
        return
    assert not done
    assert AuditEntry.objects.count() == audit_before
    assert mail.outbox == []
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    elif expected == "hidden":
        assert response.status_code == 200
    elif expected == "form":
        assert response.status_code == 200
        assert "hợp lệ" in response.content.decode()
    else:
        assert response.status_code == expected


def test_the_huế_administrator_sees_only_huế_users(people):
    managed = set(selectors.managed_users(actor=people.admin_hue).values_list("username", flat=True))
    assert managed == {"canbo.hue"}
    assert "canbo.hg" in set(selectors.managed_users(actor=people.national).values_list("username", flat=True))


def test_a_user_who_also_works_elsewhere_is_out_of_a_unit_administrators_reach(people):
    Membership.objects.create(user=people.hue_user, unit=unit(*CAN_THO), role=Role.LEADER)
    assert not selectors.managed_users(actor=people.admin_hue).filter(pk=people.hue_user.pk).exists()
    response = client_for(people.admin_hue).post(reverse("user_deactivate", args=[people.hue_user.pk]), {"reason": "x"})
    assert response.status_code == 404


def test_a_unit_administrator_cannot_touch_administrators_superusers_or_themselves(people):
    other_admin = make_user("quantri.hue2", Role.ADMIN, HUE)
    boss = make_user("sieu", Role.OFFICER, HUE)
    boss.is_superuser = True
    boss.save()
    client = client_for(people.admin_hue)
    for person in (other_admin, boss, people.admin_hue, people.national):
        assert client.get(reverse("user_detail", args=[person.pk])).status_code == 404, person.username


def offered(page: str, field: str) -> set[str]:
    """The option values of one <select> of the page (ids of units and agencies can coincide)."""
    select = re.search(rf'<select name="{field}".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option value="([^"]*)"', select))


def test_a_unit_administrator_gives_only_roles_and_places_within_reach(people):
    form_page = client_for(people.admin_hue).get(reverse("user_invite")).content.decode()
    assert Role.ADMIN.value not in offered(form_page, "role")
    assert Role.UNIT_ADMIN.value in offered(form_page, "role")
    assert str(unit(*HUE).pk) in offered(form_page, "unit")
    assert str(unit(*CAN_THO).pk) not in offered(form_page, "unit")
    cantho_agency = Agency.objects.get(code="ct-so-nnmt")
    assert str(cantho_agency.pk) not in offered(form_page, "agency")

    response = client_for(people.admin_hue).post(reverse("user_invite"), {
        "full_name": "Trần Thị Quản", "email": "quan@example.vn", "username": "quan.moi",
        "unit": unit(*HUE).pk, "agency": "", "role": Role.ADMIN, "reason": "Thử",
    })
    assert response.status_code == 200 and not get_user_model().objects.filter(username="quan.moi").exists()


def test_units_within_reach_are_the_province_and_its_communes(people):
    units = selectors.assignable_units(actor=people.admin_hue)
    hue = unit(*HUE)
    assert units.filter(pk=hue.pk).exists()
    assert units.count() == 1 + hue.children.count()
    assert not units.exclude(pk=hue.pk).exclude(parent=hue).exists()


def test_an_invitation_mails_a_set_password_link_that_works(people, django_capture_on_commit_callbacks):
    client = client_for(people.admin_hue)
    commune = unit(*HUE).children.order_by("code").first()
    agency = Agency.objects.get(code="tth-so-nnmt")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("user_invite"), {
            "full_name": "Lê Văn Mới", "email": "le.moi@example.vn", "username": "canbo.xa",
            "unit": commune.pk, "agency": agency.pk, "role": Role.OFFICER, "reason": "Cán bộ xã mới",
        })
    assert response.status_code == 302 and response.url == reverse("user_list")
    invited = get_user_model().objects.get(username="canbo.xa")
    assert (invited.first_name, invited.last_name, invited.email) == ("Lê Văn", "Mới", "le.moi@example.vn")
    assert invited.is_active and invited.has_usable_password()
    membership = invited.memberships.get()
    assert (membership.unit, membership.agency, membership.role) == (commune, agency, Role.OFFICER)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["le.moi@example.vn"] and message.subject == "Tài khoản povertyplan của bạn"
    assert "canbo.xa" in message.body and "quantri.hue" in message.body
    link = SET_PASSWORD_LINK.search(message.body).group(1)

    stranger = Client()
    set_url = stranger.get(link, follow=True).redirect_chain[-1][0]
    done = stranger.post(set_url, {"new_password1": "Mat-khau-rieng-2026", "new_password2": "Mat-khau-rieng-2026"})
    assert done.status_code == 302
    login = stranger.post(reverse("login"), {"username": "canbo.xa", "password": "Mat-khau-rieng-2026"})
    assert login.status_code == 302
    # An officer reads households: the first page after the password is the second factor's setup.
    assert stranger.get(reverse("home")).url.startswith(reverse("otp_enrol"))

    entry = audit_of(invited).get()
    assert (entry.user, entry.action, entry.reason) == (people.admin_hue, "user_invited", "Cán bộ xã mới")
    assert entry.before is None and entry.after["memberships"] == [f"officer: {commune.name} ({commune.code}) / tth-so-nnmt"]


def test_every_change_is_audited_with_who_and_why(people):
    client = client_for(people.admin_hue)
    target = people.hue_user
    client.post(reverse("membership_add", args=[target.pk]),
                {"unit": unit(*HUE).pk, "agency": "", "role": Role.REVIEWER, "reason": "Thêm việc duyệt"})
    client.post(reverse("user_deactivate", args=[target.pk]), {"reason": "Chuyển công tác"})
    client.post(reverse("user_reactivate", args=[target.pk]), {"reason": "Quay lại"})

    entries = list(audit_of(target).order_by("pk").values_list("user__username", "action", "reason"))
    assert entries == [
        ("quantri.hue", "membership_added", "Thêm việc duyệt"),
        ("quantri.hue", "user_deactivated", "Chuyển công tác"),
        ("quantri.hue", "user_reactivated", "Quay lại"),
    ]
    deactivation = audit_of(target).get(action="user_deactivated")
    assert (deactivation.before["is_active"], deactivation.after["is_active"]) == (True, False)

    page = client.get(reverse("user_detail", args=[target.pk])).content.decode()
    assert "Chuyển công tác" in page and "Khóa tài khoản" in page


def test_a_change_without_a_reason_is_refused(people):
    client = client_for(people.admin_hue)
    client.post(reverse("user_deactivate", args=[people.hue_user.pk]), {"reason": "  "})
    people.hue_user.refresh_from_db()
    assert people.hue_user.is_active
    assert not audit_of(people.hue_user).exists()


def test_the_last_membership_is_not_removed_but_the_account_can_be_locked(people):
    client = client_for(people.admin_hue)
    only = people.hue_user.memberships.get()
    client.post(reverse("membership_remove", args=[people.hue_user.pk, only.pk]), {"reason": "Nghỉ"})
    assert Membership.objects.filter(pk=only.pk).exists()


def test_a_deactivated_user_is_logged_out_at_the_next_request(people):
    officer_client = client_for(people.hue_user)
    assert officer_client.get(reverse("home")).status_code == 200
    client_for(people.admin_hue).post(reverse("user_deactivate", args=[people.hue_user.pk]), {"reason": "Nghỉ việc"})
    response = officer_client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_list_shows_last_login(people):
    people.hue_user.last_login = timezone.now().replace(year=2026, month=3, day=2, hour=1)
    people.hue_user.save()
    page = client_for(people.admin_hue).get(reverse("user_list")).content.decode()
    assert "02/03/2026" in page


def test_the_menu_offers_users_to_administrators_only(people):
    assert 'href="/nguoi-dung/"' in client_for(people.admin_hue).get(reverse("home")).content.decode()
    assert 'href="/nguoi-dung/"' not in client_for(people.officer).get(reverse("home")).content.decode()


def test_a_unit_administrator_gains_no_right_over_figures_or_households(people):
    from plans import access
    from plans.access import Action

    for action in Action:
        assert not access.can(people.admin_hue, action, unit=unit(*HUE)), action


# --- Idle accounts -----------------------------------------------------------------------------------

def test_accounts_unused_for_ninety_days_are_locked_with_notice_once(people, capsys):
    User = get_user_model()
    now = timezone.now()
    stale = make_user("cu.qua")
    stale.email, stale.last_login, stale.date_joined = "cu@example.vn", now - timedelta(days=91), now - timedelta(days=400)
    stale.save()
    never = make_user("chua.vao")
    never.email, never.date_joined = "chua@example.vn", now - timedelta(days=100)
    never.save()
    recent = make_user("moi.vao")
    recent.last_login, recent.date_joined = now - timedelta(days=10), now - timedelta(days=400)
    recent.save()
    fresh = make_user("vua.tao")  # created today, never logged in yet

    call_command("deactivate_idle_accounts")
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"cu.qua", "chua.vao"}
    assert sorted(m.to[0] for m in mail.outbox) == ["chua@example.vn", "cu@example.vn"]
    assert "90 ngày" in mail.outbox[0].body
    entry = audit_of(stale).get()
    assert (entry.user, entry.action, entry.reason) == (None, "user_deactivated_idle", "Không đăng nhập 90 ngày: tự động khóa.")
    assert "2 tài khoản" in capsys.readouterr().out

    call_command("deactivate_idle_accounts")
    assert len(mail.outbox) == 2 and audit_of(stale).count() == 1
    assert "0 tài khoản" in capsys.readouterr().out
    assert User.objects.get(pk=fresh.pk).is_active and User.objects.get(pk=recent.pk).is_active
