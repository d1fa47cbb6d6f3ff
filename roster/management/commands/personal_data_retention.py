"""List (and with --apply, erase) the personal data past its retention period.

Leavers' ID numbers, mobiles and e-mails `PERSONAL_DATA_RETENTION_DAYS` after they
left; uploaded roster files and unclaimed initial-password lists after
`UPLOAD_RETENTION_DAYS`. See roster/services/retention.py. Safe to run daily: a second
run finds nothing more.
"""

from django.core.management.base import BaseCommand

from roster.services.retention import retention_run


class Command(BaseCommand):
    help = "List personal data past its retention period; --apply erases it (audited)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="erase what is due (default: only list it)"
        )

    def handle(self, *args, **options):
        report = retention_run(apply=options["apply"])
        verb = "Erased" if report.applied else "Due for erasure (dry run; --apply erases)"
        self.stdout.write(
            f"{verb}: {len(report.staff)} leavers (left on or before "
            f"{report.staff_cutoff.isoformat()}), {len(report.uploads)} roster uploads "
            f"(uploaded on or before {report.upload_cutoff.date().isoformat()})."
        )
        if options["verbosity"] > 1:
            for number, name, left_on in report.staff:
                self.stdout.write(f"  {number}  {name}  left {left_on.isoformat()}")
            for public_id, filename in report.uploads:
                self.stdout.write(f"  upload {public_id}  {filename}")
