"""`python manage.py generate_register`: a synthetic household register (labelled synthetic everywhere).

    generate_register --demo                       # the seed localities, 3 years, figures computed
    generate_register --national 2500000           # 3.321 communes, 2 years (benchmarks)
    generate_register --legacy 93@63 --per-commune 20 --years 2024 2025
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from households import synthetic
from households.models import PovertyStandard
from households.recompute import recompute_register
from plans.models import AdministrativeUnit, AdminMap, Membership, Role

# The localities of the seed plans: Hậu Giang, Thừa Thiên Huế, Bắc Giang (63-province map), Bảo Lộc.
DEMO_LOCALITIES = [("93", AdminMap.LEGACY), ("46", AdminMap.LEGACY), ("24", AdminMap.LEGACY), ("673", AdminMap.LEGACY)]
DEMO_YEARS = [2023, 2024, 2025]
DEMO_PER_COMMUNE = 12
DEMO_OFFICER = "canbo.xa"
DEMO_PASSWORD = "povertyplan-demo"


class Command(BaseCommand):
    help = "Sinh sổ hộ giả lập (tên tiếng Việt, cố định theo seed, gắn nhãn giả lập) và tính số liệu."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="các địa phương của văn bản mẫu, 2023–2025")
        parser.add_argument("--national", type=int, metavar="HỘ", help="số hộ cả nước, chia đều cho 3.321 xã")
        parser.add_argument("--legacy", nargs="*", default=[], metavar="MÃ@BẢN_ĐỒ", help="đơn vị cũ, ví dụ 93@63")
        parser.add_argument("--per-commune", type=int, default=DEMO_PER_COMMUNE)
        parser.add_argument("--years", nargs="+", type=int)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--no-recompute", action="store_true", help="không tính lại số liệu sau khi sinh")

    def handle(self, *args, demo: bool, national: int | None, legacy: list[str], per_commune: int,
               years: list[int] | None, seed: int, no_recompute: bool, **options):
        if not PovertyStandard.objects.exists():
            call_command("load_standards", verbosity=0)
        if national:
            slots = synthetic.national_slots(national)
            years = years or [2024, 2025]
        else:
            references = DEMO_LOCALITIES if demo else [tuple((ref.split("@") + [AdminMap.LEGACY])[:2]) for ref in legacy]
            if not references:
                raise CommandError("Chọn --demo, --national hoặc --legacy.")
            try:
                units = [AdministrativeUnit.objects.get(code=code, admin_map=admin_map) for code, admin_map in references]
            except AdministrativeUnit.DoesNotExist:
                raise CommandError("Không tìm thấy đơn vị; hãy nạp bản đồ (load_units) trước.") from None
            slots = synthetic.legacy_slots(units, per_commune)
            years = years or DEMO_YEARS
        progress = (lambda n: self.stdout.write(f"  {n:,} hộ".replace(",", "."))) if options["verbosity"] >= 2 else None
        result = synthetic.generate(slots, years=years, seed=seed, progress=progress)
        classes = ", ".join(f"{name} {count}" for name, count in sorted(result.by_class.items()))
        self.stdout.write(
            f"Sổ hộ GIẢ LẬP: {result.households} hộ ở {len({s.commune_id for s in slots})} xã, {result.reviews} lượt rà soát "
            f"({', '.join(map(str, years))}; {classes}); đã xóa {result.deleted} hộ giả lập cũ "
            f"({sum(result.seconds.values()):.1f} s)."
        )
        if not no_recompute:
            for year in years:
                figures = recompute_register(year=year)
                self.stdout.write(f"  Số liệu {year}: {figures.units} địa bàn ({figures.seconds['total']:.1f} s).")
        if demo:
            self._demo_officer(slots)

    def _demo_officer(self, slots):
        """A commune officer for the demo (DEBUG only): households are seen by their commune's officers."""
        if not settings.DEBUG or not slots:
            return
        # A commune of Cần Thơ (legacy Hậu Giang), beside the Hậu Giang demo users, when there is one.
        commune_ids = [slot.commune_id for slot in slots]
        commune = (
            AdministrativeUnit.objects.filter(pk__in=commune_ids, parent__code="92", parent__admin_map=AdminMap.CURRENT)
            .order_by("code").first()
            or AdministrativeUnit.objects.get(pk=commune_ids[0])
        )
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_OFFICER, defaults={"first_name": f"Cán bộ {commune.name} (demo)", "email": f"{DEMO_OFFICER}@demo.invalid"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, unit=commune, agency=None, role=Role.OFFICER)
        self.stdout.write(f"  Người dùng demo {DEMO_OFFICER}: cán bộ {commune.name}.")
