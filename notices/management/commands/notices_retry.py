from django.core.management.base import BaseCommand

from notices.services import deliveries_send_due


class Command(BaseCommand):
    help = (
        "Send the notices whose time has come: retries, and those held back by quiet "
        "hours. Safe to run every few minutes and on several machines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, limit, **options):
        sent = deliveries_send_due(limit=limit)
        self.stdout.write(f"sent {sent}")
