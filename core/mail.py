"""Mail leaves in the background, with retries.

A page that sends mail (the password reset) answers at once, whether the mail server
is reachable or not; the message is handed to a task (Django's tasks framework, the
database backend in production) that retries with growing delays.
"""

import datetime
import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

logger = logging.getLogger("core.mail")

MAIL_ATTEMPTS = 5
MAIL_RETRY_SECONDS = 60  # then 2, 4, 8 minutes


def mail_enqueue(message: EmailMessage) -> None:
    """Send `message` in the background once the current transaction commits."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    fields = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email),
        "to": [str(address) for address in message.to],
        "html": html,
    }
    from .tasks import send_mail_message

    transaction.on_commit(lambda: send_mail_message.enqueue(**fields))


def mail_send_now(*, subject: str, body: str, from_email: str, to: list[str], html: str) -> int:
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def mail_retry_later(*, attempt: int, **fields) -> None:
    from .tasks import send_mail_message

    if attempt >= MAIL_ATTEMPTS:
        logger.error(
            "mail to %s recipient(s) given up after %s attempts", len(fields["to"]), attempt
        )
        return
    task = send_mail_message
    if default_task_backend.supports_defer:
        delay = MAIL_RETRY_SECONDS * 2 ** (attempt - 1)
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(attempt=attempt + 1, **fields)
