from django.core.management.base import BaseCommand

from certificates.services import certificate_send_expiry_reminders


class Command(BaseCommand):
    help = "Remind holders and coordinators of certificates expiring soon (each once)."

    def handle(self, *args, **options):
        sent = certificate_send_expiry_reminders()
        self.stdout.write(f"{sent} reminders sent")
