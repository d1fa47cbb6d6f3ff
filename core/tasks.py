"""Background tasks shared by every app."""

import logging

from django.tasks import task

from .mail import mail_retry_later, mail_send_now

logger = logging.getLogger("core.mail")


@task
def send_mail_message(
    *, subject: str, body: str, from_email: str, to: list[str], html: str = "", attempt: int = 1
) -> int:
    """Send one message; on failure, try again later (see core.mail)."""
    try:
        return mail_send_now(subject=subject, body=body, from_email=from_email, to=to, html=html)
    except Exception as error:  # the mail server is down, refuses, times out...
        logger.warning("mail to %s recipient(s) failed (attempt %s): %s", len(to), attempt, error)
        mail_retry_later(
            subject=subject, body=body, from_email=from_email, to=to, html=html, attempt=attempt
        )
        return 0
