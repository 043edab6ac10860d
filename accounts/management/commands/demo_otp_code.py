from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from accounts.selectors import confirmed_device


class Command(BaseCommand):
    help = "Print a demo user's current authenticator code. Demo and development only (DEMO=1 or DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError("Chỉ dùng cho bản demo (DEMO=1 hoặc DEBUG=1).")
        user = get_user_model().objects.filter(username=username).first()
        device = confirmed_device(user) if user else None
        if device is None:
            raise CommandError(f"{username} chưa có ứng dụng xác thực.")
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{clock.token():0{device.digits}d}")
