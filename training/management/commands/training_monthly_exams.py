from django.core.management.base import BaseCommand
from django.utils import timezone

from training import exams_adapter, services, tasks
from training.models import MonthlyExam


class Command(BaseCommand):
    help = (
        "Create this month's exam session for every active programme (once per month). "
        "A session the question bank cannot fill stays closed: its short rules are "
        "reported here and to the responsible coordinators; the next run publishes it "
        "once the bank has been filled."
    )

    def handle(self, *args, **options):
        created = tasks.monthly_exams_create()
        month = services.month_start(timezone.localdate())
        held = 0
        for exam in MonthlyExam.objects.filter(month=month, exam_session_id__isnull=False):
            if not exams_adapter.session_shortages(session_id=exam.exam_session_id):
                exams_adapter.session_publish_retry(session_id=exam.exam_session_id)
            shortages = exams_adapter.session_shortages(session_id=exam.exam_session_id)
            if shortages:
                held += 1
                self.stderr.write(
                    f"{exam.programme.name} {month:%Y-%m}: the session is not opened, "
                    "the question bank is short:"
                )
                for line in shortages:
                    self.stderr.write(f"  - {line}")
        self.stdout.write(
            self.style.SUCCESS(f"training_monthly_exams: created {created}, held back {held}")
        )
