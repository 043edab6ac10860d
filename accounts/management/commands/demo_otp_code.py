from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = ("Print a demo user's current authenticator code (or, for one who is setting it up, the code the "
            "enrolment page asks for). Demo and development only (DEMO=1 or DEBUG=1).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError("Chỉ dùng cho bản demo (DEMO=1 hoặc DEBUG=1).")
        devices = TOTPDevice.objects.filter(user__username=username)
        device = devices.filter(confirmed=True).order_by("pk").first() or devices.order_by("-pk").first()
        if device is None:
            if not get_user_model().objects.filter(username=username).exists():
                raise CommandError(f"Không có người dùng {username}.")
            raise CommandError(f"{username} chưa có ứng dụng xác thực: hãy đăng nhập để mở trang thiết lập trước.")
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{clock.token():0{device.digits}d}")
