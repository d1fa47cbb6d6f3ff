from django.core.management.base import BaseCommand

from training import services, tasks  # noqa: F401


class Command(BaseCommand):
    help = (
        "Enrol everyone matching a track and withdraw those who no longer match (safe to repeat)."
    )

    def handle(self, *args, **options):
        result = services.enrolment_sync()
        self.stdout.write(
            self.style.SUCCESS(
                f"training_enrolment_sync: {result.enrolled} enrolled, "
                f"{result.reactivated} enrolled again, {result.withdrawn} withdrawn."
            )
        )
