"""Background tasks of the exam engine (Django's tasks framework)."""

from django.tasks import task

from .models import ExamSession
from .services.papers import exam_session_prepare_papers
from .services.taking import attempts_finalise_overdue


@task(queue_name="default")
def prepare_papers(session_id: int) -> int:
    """Draw everyone's paper before the window opens, so starting is one UPDATE."""
    session = ExamSession.objects.get(pk=session_id)
    return exam_session_prepare_papers(session=session)


@task(queue_name="default")
def finalise_overdue() -> int:
    return attempts_finalise_overdue()
