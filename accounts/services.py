"""Writes about accounts: invitations, memberships, deactivation and second-factor devices.

Every change to a user is checked against the actor's territory (accounts.selectors, i.e.
plans.access.reach) and written to the audit trail with who and why.
"""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import emails, selectors
from plans.models import AdministrativeUnit, Agency, Membership
from review.workflow import record_audit

RECOVERY_CODE_COUNT = 10


def _user_snapshot(user) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "full_name": user.get_full_name(),
        "is_active": user.is_active,
        "memberships": [_membership_text(m) for m in user.memberships.select_related("unit", "agency").order_by("pk")],
    }


def _membership_text(membership: Membership) -> str:
    place = f"{membership.unit.name} ({membership.unit.code})"
    return f"{membership.role}: {place}" + (f" / {membership.agency.code}" if membership.agency_id else "")


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do.")})
    return reason


def _require_managed(actor, user) -> None:
    if not selectors.managed_users(actor=actor).filter(pk=user.pk).exists():
        raise PermissionDenied(_("Người dùng này không thuộc địa bàn bạn quản trị."))


def _require_assignable(actor, *, unit: AdministrativeUnit, agency: Agency | None, role: str) -> None:
    if not selectors.unit_within_reach(actor=actor, unit=unit):
        raise PermissionDenied(_("Địa bàn này không thuộc phạm vi bạn quản trị."))
    if agency is not None and not selectors.assignable_agencies(actor=actor).filter(pk=agency.pk).exists():
        raise PermissionDenied(_("Cơ quan này không thuộc phạm vi bạn quản trị."))
    if role not in dict(selectors.assignable_roles(actor=actor)):
        raise PermissionDenied(_("Bạn không thể giao vai trò này."))


@transaction.atomic
def invite_user(*, actor, email: str, username: str, full_name: str, unit: AdministrativeUnit,
                agency: Agency | None, role: str, reason: str, set_password_url) -> AbstractBaseUser:
    """Create an account with a membership and e-mail its owner a link to choose a password.

    `set_password_url(user)` builds the absolute link. The account gets a random password nobody
    knows, so that "Quên mật khẩu?" also works once the invitation's link has expired.
    """
    reason = _require_reason(reason)
    _require_assignable(actor, unit=unit, agency=agency, role=role)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("Tên đăng nhập này đã có.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Địa chỉ thư này đã có tài khoản.")})
    first_name, _sep, last_name = full_name.strip().rpartition(" ")
    user = User(username=username, email=email, first_name=first_name or last_name, last_name=last_name if first_name else "")
    user.set_password(secrets.token_urlsafe(32))
    user.full_clean()
    user.save()
    membership = Membership(user=user, unit=unit, agency=agency, role=role)
    membership.full_clean()
    membership.save()
    record_audit(user=actor, instance=user, action="user_invited", before=None, after=_user_snapshot(user), reason=reason)
    transaction.on_commit(lambda: emails.send_invitation(user=user, inviter=actor, link=set_password_url(user)))
    return user


@transaction.atomic
def add_membership(*, actor, user, unit: AdministrativeUnit, agency: Agency | None, role: str, reason: str) -> Membership:
    reason = _require_reason(reason)
    _require_managed(actor, user)
    _require_assignable(actor, unit=unit, agency=agency, role=role)
    before = _user_snapshot(user)
    membership = Membership(user=user, unit=unit, agency=agency, role=role)
    try:
        membership.validate_constraints()
    except ValidationError:
        raise ValidationError(_("Người dùng đã có vai trò này ở địa bàn và cơ quan này.")) from None
    membership.full_clean(validate_constraints=False)
    membership.save()
    record_audit(user=actor, instance=user, action="membership_added", before=before, after=_user_snapshot(user), reason=reason)
    return membership


@transaction.atomic
def remove_membership(*, actor, membership: Membership, reason: str) -> None:
    reason = _require_reason(reason)
    user = membership.user
    _require_managed(actor, user)
    _require_assignable(actor, unit=membership.unit, agency=membership.agency, role=membership.role)
    if user.memberships.count() == 1:
        raise ValidationError(_("Đây là vai trò cuối cùng của người dùng: hãy khóa tài khoản thay vì xóa vai trò."))
    before = _user_snapshot(user)
    membership.delete()
    record_audit(user=actor, instance=user, action="membership_removed", before=before, after=_user_snapshot(user), reason=reason)


@transaction.atomic
def set_active(*, actor, user, active: bool, reason: str) -> None:
    """Deactivate (or reactivate) an account; its sessions stop at their next request."""
    reason = _require_reason(reason)
    _require_managed(actor, user)
    if user.is_active == active:
        return
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    record_audit(user=actor, instance=user, action="user_reactivated" if active else "user_deactivated",
                 before=before, after=_user_snapshot(user), reason=reason)


IDLE_REASON = "Không đăng nhập {days} ngày: tự động khóa."


def deactivate_idle_accounts(*, days: int = 90, now: datetime.datetime | None = None) -> list:
    """Deactivate the active accounts not used for `days` days (never logged in: counted from
    when they were created), audit each and e-mail its owner. Running it again changes nothing."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    User = get_user_model()
    idle = User.objects.filter(is_active=True).exclude(last_login__gte=cutoff).filter(date_joined__lt=cutoff)
    done = []
    for user in idle.order_by("pk"):
        with transaction.atomic():
            locked = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
            if locked is None:
                continue
            before = _user_snapshot(locked)
            locked.is_active = False
            locked.save(update_fields=["is_active"])
            record_audit(user=None, instance=locked, action="user_deactivated_idle", before=before,
                         after=_user_snapshot(locked), reason=IDLE_REASON.format(days=days))
        emails.send_idle_notice(user=locked, days=days)
        done.append(locked)
    return done


# --- second factor -----------------------------------------------------------------------------


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm an enrolment with a code from the app. Returns the new recovery codes, or None
    when the code is wrong. A confirmed device replaces any earlier one."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record_audit(user=user, instance=user, action="second_factor_enrolled", before=None, after=None)
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Mã khôi phục"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user) -> list[str]:
    codes = _new_recovery_codes(user)
    record_audit(user=user, instance=user, action="recovery_codes_renewed", before=None, after=None)
    return codes


def verify_second_factor(*, user, token: str):
    """The device (authenticator app, or a recovery code used up now) that accepts `token`, or None."""
    token = "".join(token.split())
    candidates = list(TOTPDevice.objects.filter(user=user, confirmed=True)) if token.isdigit() else []
    candidates += list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in candidates:
        with transaction.atomic():
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                return locked
    return None


@transaction.atomic
def remove_second_factor(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_audit(user=user, instance=user, action="second_factor_removed", before=None, after=None)
