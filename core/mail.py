"""Mail leaves in the background, with retries.

A page that sends mail (the password reset) answers at once, whether the mail server
is reachable or not; the message is handed to a task (Django's tasks framework, the
database backend in production) that retries with growing delays (`core.tasks`).
"""

from django.core.mail import EmailMessage
from django.db import transaction

from .tasks import send_mail_message


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
    transaction.on_commit(lambda: send_mail_message.enqueue(**fields))
