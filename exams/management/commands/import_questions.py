"""Import a question bank (.xlsx, .xls, .ods or .csv) from the command line.

Imports unless --dry-run; with --skip-invalid the valid rows are imported and the rows
with errors left out (the page's "import the valid rows"). Exit status: 0 done (or the
dry run found no errors), 1 rows have errors (nothing written, or with --skip-invalid
only the valid rows), 2 the file itself was refused.
"""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from exams import question_io


class Command(BaseCommand):
    help = (
        "Check and import a question bank workbook (题型, 题干, 选项A-F, 答案, 解析, 知识点, 难度)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx, .xls, .ods or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and leave the rows with errors out",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="username to act as (checked and named in the audit log); default: the "
            "command line itself",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as handle:
                if options["dry_run"]:
                    report = question_io.questions_preview(
                        acting_user=user, filename=path.name, file=handle
                    )
                else:
                    report = question_io.questions_import(
                        acting_user=user,
                        filename=path.name,
                        file=handle,
                        skip_invalid=options["skip_invalid"],
                    )
        except PermissionDenied as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        elif report.refused:
            self.stderr.write(report.refused["message"])
        else:
            for error in [*report.errors, *report.duplicates]:
                self.stdout.write(f"row {error['row']} {error['column']}: {error['message']}")
            counts = report.counts
            verb = "written" if report.committed else "to import"
            self.stdout.write(
                f"{counts['rows']} rows: {counts['new']} {verb}, "
                f"{counts['duplicates']} duplicates skipped, {counts['errors']} errors"
            )
        if report.refused:
            sys.exit(2)
        if report.errors:
            sys.exit(1)
