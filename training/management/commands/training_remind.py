from django.core.management.base import BaseCommand

from training.services import reminders


class Command(BaseCommand):
    help = (
        "Remind overdue learners (once per module and week) and send each manager one "
        "weekly digest; safe to run daily."
    )

    def handle(self, *args, **options):
        result = reminders.reminders_send()
        self.stdout.write(
            self.style.SUCCESS(
                f"training_remind: reminders {result.reminders}, "
                f"manager digests {result.escalations}"
            )
        )
