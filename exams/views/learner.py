"""Learner pages: open exams, taking an exam, results, practice and the mistake book."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..access import get_own_attempt, get_session_for_learner, require_learner
from ..models import KnowledgePoint, PracticeSet, Question, QuestionType


@login_required
def exam_list(request):
    staff = require_learner(request.user)
    attempts = list(selectors.attempts_of(staff=staff)[:20])
    for attempt in attempts:
        attempt.score_visible = selectors.learner_may_see_score(attempt)
    return render(
        request,
        "exams/list.html",
        {
            "open_sessions": selectors.open_sessions_for(staff=staff),
            "upcoming": selectors.upcoming_sessions_for(staff=staff),
            "attempts": attempts,
            "mistakes": selectors.mistakes_of(staff=staff).count(),
            "knowledge_points": KnowledgePoint.objects.all(),
        },
    )


@login_required
@require_POST
def session_start(request, public_id):
    staff = require_learner(request.user)
    session = get_session_for_learner(request.user, public_id)
    try:
        attempt = services.attempt_start(session=session, staff=staff)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("exams:list")
    return redirect("exams:attempt", public_id=attempt.public_id)


@login_required
def attempt_page(request, public_id):
    attempt = get_own_attempt(request.user, public_id)
    attempt = services.attempt_finalise_if_overdue(attempt=attempt)
    if not attempt.is_finished:
        items = list(
            attempt.items.only("position", "type", "stem", "options", "answer", "seq", "points")
        )
        for item in items:
            item.chosen = (
                item.answer
                if isinstance(item.answer, list)
                else ([item.answer] if item.answer not in (None, "") else [])
            )
            item.text = (
                item.answer
                if isinstance(item.answer, str)
                else (
                    item.answer[0] if item.type == QuestionType.FILL_BLANK and item.answer else ""
                )
            )
        response = render(
            request,
            "exams/take.html",
            {
                "attempt": attempt,
                "items": items,
                "remaining": selectors.remaining_seconds(attempt),
                "max_seq": max((i.seq for i in items), default=0),
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    score_visible = selectors.learner_may_see_score(attempt)
    answers_visible = selectors.learner_may_see_answers(attempt)
    items = list(attempt.items.all()) if score_visible or answers_visible else []
    return render(
        request,
        "exams/result.html",
        {
            "attempt": attempt,
            "score_visible": score_visible,
            "answers_visible": answers_visible,
            "items": items,
            "points": selectors.knowledge_point_scores(items).values() if score_visible else [],
        },
    )


@login_required
@require_POST
def attempt_submit(request, public_id):
    attempt = get_own_attempt(request.user, public_id)
    services.attempt_submit(attempt=attempt)
    return redirect("exams:attempt", public_id=attempt.public_id)


@login_required
def mistakes(request):
    staff = require_learner(request.user)
    return render(
        request,
        "exams/mistakes.html",
        {
            "entries": selectors.mistakes_of(staff=staff)[:200],
        },
    )


def _answer_from_post(question: Question, data) -> object:
    if question.type == QuestionType.MULTIPLE:
        return data.getlist("answer")
    if question.type == QuestionType.FILL_BLANK:
        return [data.get("answer", "")]
    return data.get("answer", "")


@login_required
def practice(request):
    """Untimed practice with instant feedback. ?set=<id>, ?kp=<id> or ?mistakes=1."""
    staff = require_learner(request.user)
    practice_set = None
    kp_ids: list[int] = []
    if request.GET.get("set"):
        practice_set = PracticeSet.objects.filter(pk=request.GET["set"]).first()
        if practice_set is None:
            raise Http404
        kp_ids = list(practice_set.knowledge_points.values_list("pk", flat=True))
    elif request.GET.get("kp", "").isdigit():
        kp_ids = [int(request.GET["kp"])]
    mistakes_only = request.GET.get("mistakes") == "1"
    feedback = None
    answered = None
    if request.method == "POST":
        answered = Question.objects.filter(public_id=request.POST.get("question")).first()
        if answered is None:
            raise Http404
        given = _answer_from_post(answered, request.POST)
        feedback = services.practice_answer(staff=staff, question=answered, answer=given)
        answered.given = given if isinstance(given, list) else [given]
    question = (
        None
        if feedback
        else services.practice_pick(
            staff=staff, knowledge_point_ids=kp_ids, mistakes_only=mistakes_only
        )
    )
    if question is not None:
        question.letters = [(chr(65 + i), text) for i, text in enumerate(question.options)]
    if answered is not None:
        answered.letters = [(chr(65 + i), text) for i, text in enumerate(answered.options)]
    return render(
        request,
        "exams/practice.html",
        {
            "question": question,
            "answered": answered,
            "feedback": feedback,
            "practice_set": practice_set,
            "mistakes_only": mistakes_only,
            "query": request.GET.urlencode(),
        },
    )
