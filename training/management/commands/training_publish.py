from django.core.management.base import BaseCommand

from training import services, tasks  # noqa: F401


class Command(BaseCommand):
    help = "Publish the weekly modules whose week has started and notify learners (safe to repeat)."

    def handle(self, *args, **options):
        result = services.modules_publish_due()
        self.stdout.write(self.style.SUCCESS(f"training_publish: {result}"))
