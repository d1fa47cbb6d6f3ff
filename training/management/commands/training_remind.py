from django.core.management.base import BaseCommand

from training import services, tasks  # noqa: F401


class Command(BaseCommand):
    help = "Remind overdue learners and escalate to managers; each notice is sent once."

    def handle(self, *args, **options):
        result = (lambda r: {"reminders": r.reminders, "escalations": r.escalations})(
            services.reminders_send()
        )
        self.stdout.write(self.style.SUCCESS(f"training_remind: {result}"))
