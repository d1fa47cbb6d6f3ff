from django.core.management.base import BaseCommand

from training import services, tasks  # noqa: F401


class Command(BaseCommand):
    help = "Create this month's exam session for every active programme (once per month)."

    def handle(self, *args, **options):
        result = tasks.monthly_exams_create()
        self.stdout.write(self.style.SUCCESS(f"training_monthly_exams: {result}"))
