"""Import a roster file from the command line, with a given user's rights.

A dry run unless --commit. With --skip-invalid, --commit imports the valid rows and
leaves the rows with errors out (the page's "import the valid rows"). Exit status: 0
no errors, 1 rows have errors (nothing written, or with --skip-invalid only the valid
rows), 2 the file itself was refused (or the user may not import).
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from organisation.models import Staff
from roster import services


class Command(BaseCommand):
    help = "Check (and with --commit, import) a staff roster file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx, .xls, .ods or .csv file")
        parser.add_argument(
            "--user", required=True, help="staff number of the coordinator to act as"
        )
        parser.add_argument(
            "--sheet", default=None, help="sheet name (default: the first with a header)"
        )
        parser.add_argument(
            "--sync", action="store_true", help="mark staff missing from the file as left"
        )
        parser.add_argument(
            "--commit", action="store_true", help="write the changes (default: dry run)"
        )
        parser.add_argument(
            "--confirm-transfers",
            action="store_true",
            help="with --commit: also move people from units outside the user's subtree",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="with --commit: import the valid rows and leave the rows with errors out",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        staff = Staff.objects.select_related("user").filter(staff_number=options["user"]).first()
        if staff is None or staff.user is None:
            raise CommandError(
                f"No staff member with an account has staff number {options['user']}."
            )
        user = staff.user
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as handle:
                if options["commit"]:
                    record = services.roster_upload(
                        file=handle,
                        filename=path.name,
                        acting_user=user,
                        sheet=options["sheet"],
                        sync=options["sync"],
                        background=False,
                    )
                    report = services.Report.from_dict(record.report)
                    if report.refused is None and (report.ok or options["skip_invalid"]):
                        report = services.roster_commit(
                            roster_import=record,
                            acting_user=user,
                            confirm_transfers=options["confirm_transfers"],
                            skip_invalid=options["skip_invalid"],
                        )
                else:
                    report = services.roster_preview(
                        file=handle,
                        filename=path.name,
                        acting_user=user,
                        sheet=options["sheet"],
                        sync=options["sync"],
                    )
        except PermissionDenied as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        else:
            self._print(report)
        if report.refused:
            sys.exit(2)
        if report.errors:
            sys.exit(1)

    def _print(self, report) -> None:
        if report.refused:
            self.stderr.write(f"{report.refused['code']}: {report.refused['message']}")
            return
        for error in report.errors:
            self.stdout.write(
                f"row {error['row']} {error['column']} [{error['code']}] {error['message']}"
            )
        counts = " ".join(f"{k}={v}" for k, v in report.counts.items())
        state = "committed" if report.committed else "dry run"
        self.stdout.write(f"{report.filename}: {state}: {counts}")
