from django.core.management.base import BaseCommand

from audit.services import audit_checkpoint_write


class Command(BaseCommand):
    help = (
        "Record the audit chain's head and entry count (run every minute, as the "
        "checkpoint database role: see docs/security.md)."
    )

    def handle(self, *args, **options):
        checkpoint = audit_checkpoint_write()
        self.stdout.write(
            f"checkpoint: last entry {checkpoint.last_entry_id}, {checkpoint.entry_count} entries"
        )
