from django.conf import settings

from indicators.management.commands.load_cascade import Command as LoadCascade

GROUPS_FOLDER = settings.BASE_DIR / "data" / "groups"


class Command(LoadCascade):
    help = "Load the unit groups (poor districts, especially difficult coastal communes) from data/groups/*.csv."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(GROUPS_FOLDER), help="folder of the sheet CSVs")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
