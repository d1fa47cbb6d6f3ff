"""Background tasks shared by every app.

Mail leaves here, with retries: `core.mail.mail_enqueue` hands a message to
`send_mail_message`, which sends it and, when the server is down or refuses, schedules
itself again with a growing delay. Nothing here imports `core.mail`, so the enqueuing
side may import this module without a circle.
"""

import datetime
import logging

from django.core.mail import EmailMultiAlternatives
from django.tasks import default_task_backend, task
from django.utils import timezone

logger = logging.getLogger("core.mail")

MAIL_ATTEMPTS = 5
MAIL_RETRY_SECONDS = 60  # then 2, 4, 8 minutes


@task
def send_mail_message(
    *, subject: str, body: str, from_email: str, to: list[str], html: str = "", attempt: int = 1
) -> int:
    """Send one message; on failure, try again later."""
    try:
        message = EmailMultiAlternatives(subject, body, from_email, to)
        if html:
            message.attach_alternative(html, "text/html")
        return message.send()
    except Exception as error:  # the mail server is down, refuses, times out...
        logger.warning("mail to %s recipient(s) failed (attempt %s): %s", len(to), attempt, error)
        _retry_later(
            subject=subject, body=body, from_email=from_email, to=to, html=html, attempt=attempt
        )
        return 0


def _retry_later(*, attempt: int, **fields) -> None:
    if attempt >= MAIL_ATTEMPTS:
        logger.error(
            "mail to %s recipient(s) given up after %s attempts", len(fields["to"]), attempt
        )
        return
    retry = send_mail_message
    if default_task_backend.supports_defer:
        delay = MAIL_RETRY_SECONDS * 2 ** (attempt - 1)
        retry = retry.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    retry.enqueue(attempt=attempt + 1, **fields)
