from django.core.management.base import BaseCommand

from training import services, tasks  # noqa: F401


class Command(BaseCommand):
    help = "Offer make-up sittings, generate guidance, collect follow-ups (safe to repeat)."

    def handle(self, *args, **options):
        result = tasks.guidance_cycle()
        self.stdout.write(
            self.style.SUCCESS(
                f"training_guidance: {result['makeup_offered']} make-up sittings offered, "
                f"{result['plans']} guidance plans made, {result['plans_closed']} closed, "
                f"{result['weekly_quiz_results']} weekly quiz results collected."
            )
        )
