import hashlib
from base64 import b32encode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import second_factor_required
from plans.models import AdministrativeUnit, AdminMap, Agency, Membership, Role

DEMO_PASSWORD = "povertyplan-demo"

# username, full name, role, (unit code, map), agency code
DEMO_USERS = [
    ("admin", "Quản trị viên", Role.ADMIN, ("VN", AdminMap.STATISTICAL), None),
    ("lanhdao", "Lãnh đạo (cả nước)", Role.LEADER, ("VN", AdminMap.STATISTICAL), None),
    ("canbo.haugiang", "Cán bộ giảm nghèo Hậu Giang / Cần Thơ", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt"),
    ("canbo.hue", "Cán bộ giảm nghèo Huế", Role.OFFICER, ("46", AdminMap.CURRENT), "tth-so-nnmt"),
    ("duyet.haugiang", "Người duyệt Cần Thơ (trên cán bộ Hậu Giang)", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd"),
    ("quantri.hue", "Quản trị đơn vị Huế", Role.UNIT_ADMIN, ("46", AdminMap.CURRENT), None),
]


def demo_totp_key(username: str) -> str:
    """A fixed authenticator secret per demo user (hex), so the README can list it: demo data only."""
    return hashlib.sha1(f"povertyplan-demo-{username}".encode()).hexdigest()


class Command(BaseCommand):
    help = "Create the demo users (password povertyplan-demo). Refused unless DEBUG is on: demo database only."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="create them even with DEBUG off")

    @transaction.atomic
    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Người dùng demo chỉ dành cho cơ sở dữ liệu demo (DEBUG=1).")
        User = get_user_model()
        for username, full_name, role, (unit_code, admin_map), agency_code in DEMO_USERS:
            try:
                unit = AdministrativeUnit.objects.get(code=unit_code, admin_map=admin_map)
                agency = Agency.objects.get(code=agency_code) if agency_code else None
            except (AdministrativeUnit.DoesNotExist, Agency.DoesNotExist):
                raise CommandError("Hãy nạp bản đồ (load_units) và hệ thống văn bản (load_cascade) trước.") from None
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": full_name, "email": f"{username}@demo.invalid",
                                             "is_staff": role == Role.ADMIN,
                                             "is_superuser": role == Role.ADMIN},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Membership.objects.get_or_create(user=user, unit=unit, agency=agency, role=role)
            self.stdout.write(f"{'Tạo' if created else 'Đã có'} {username} ({role.label}, {agency or unit})")
            if second_factor_required(user=user):
                device, _created = TOTPDevice.objects.get_or_create(
                    user=user, name="demo", defaults={"key": demo_totp_key(username), "confirmed": True},
                )
                secret = b32encode(device.bin_key).decode()
                self.stdout.write(f"    xác thực hai bước: khóa {secret} (mã hiện tại: manage.py demo_otp_code {username})")
