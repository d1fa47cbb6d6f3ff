from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify that the audit log's hash chain is intact."

    def handle(self, *args, **options):
        problems = list(audit_chain_verify())
        for problem in problems:
            self.stderr.write(f"entry {problem.entry_id}: {problem.reason}")
        if problems:
            raise CommandError(f"audit chain broken at {len(problems)} place(s)")
        self.stdout.write(f"audit chain intact ({AuditEntry.objects.count()} entries)")
