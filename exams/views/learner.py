"""Learner pages: open exams, taking an exam, results, practice and the mistake book."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..access import get_own_attempt, get_session_for_learner, require_learner
from ..device import device_for, device_of, device_remember
from ..messages import MSG_CHOOSE_FIRST, MSG_OTHER_DEVICE
from ..models import KnowledgePoint, PracticeSet, Question, QuestionType

SCORING_REFRESH_SECONDS = 3


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
    # One device at a time: starting (or resuming) here takes the attempt over.
    device, new = device_for(request) if session.one_device else ("", False)
    try:
        attempt = services.attempt_start(
            session=session, staff=staff, device=device, request=request
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("exams:list")
    response = redirect("exams:attempt", public_id=attempt.public_id)
    if new:
        device_remember(response, device)
    return response


@login_required
@require_POST
def attempt_take_over(request, public_id):
    """Continue on this device (one device at a time): the device that held the attempt
    stops at its next save."""
    attempt = get_own_attempt(request.user, public_id)
    device, new = device_for(request)
    services.attempt_take_over(attempt=attempt, device=device, request=request)
    response = redirect("exams:attempt", public_id=attempt.public_id)
    if new:
        device_remember(response, device)
    return response


@login_required
def attempt_page(request, public_id):
    attempt = get_own_attempt(request.user, public_id)
    attempt = services.attempt_finalise_if_overdue(attempt=attempt)
    attempt = services.attempt_score_if_waiting(
        attempt=attempt, grace_seconds=settings.EXAM_SCORING_GRACE_SECONDS
    )
    if not attempt.is_finished and attempt.held_elsewhere(device_of(request)):
        # Another device holds it: say so, and offer to continue here (a POST, so
        # that merely opening a page never takes an exam away from the other device).
        response = render(request, "exams/other_device.html", {"attempt": attempt})
        response["Cache-Control"] = "no-store"
        return response
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
                "integrity": selectors.integrity_options(attempt),
                "msg_other_device": MSG_OTHER_DEVICE,
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    score_visible = selectors.learner_may_see_score(attempt)
    answers_visible = selectors.learner_may_see_answers(attempt)
    items = list(attempt.items.all()) if score_visible or answers_visible else []
    response = render(
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
    if attempt.is_scoring:
        # 正在评分: the batched scorer follows within seconds; the page looks again.
        response["Refresh"] = str(SCORING_REFRESH_SECONDS)
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def attempt_submit(request, public_id):
    attempt = get_own_attempt(request.user, public_id)
    try:
        services.attempt_submit(attempt=attempt, device=device_of(request))
    except PermissionDenied as exc:  # another device holds the attempt
        messages.error(request, str(exc))
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


def _question_or_404(value) -> Question:
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
    question = Question.objects.filter(public_id=key).first()
    if question is None:
        raise Http404
    return question


def _is_blank(given) -> bool:
    values = given if isinstance(given, list) else [given]
    return not any(str(v).strip() for v in values if v is not None)


@login_required
def practice(request):
    """Untimed practice with instant feedback. ?set=<id>, ?kp=<id> or ?mistakes=1."""
    staff = require_learner(request.user)
    practice_set = None
    kp_ids: list[int] = []
    if request.GET.get("set"):
        set_id = request.GET["set"]
        practice_set = (
            PracticeSet.objects.filter(pk=int(set_id)).first() if set_id.isdigit() else None
        )
        if practice_set is None:
            raise Http404
        kp_ids = list(practice_set.knowledge_points.values_list("pk", flat=True))
    elif request.GET.get("kp", "").isdigit():
        kp_ids = [int(request.GET["kp"])]
    mistakes_only = request.GET.get("mistakes") == "1"
    feedback = None
    answered = None
    unanswered = None
    if request.method == "POST":
        answered = _question_or_404(request.POST.get("question"))
        given = _answer_from_post(answered, request.POST)
        if _is_blank(given):
            # Nothing chosen is not a wrong answer: ask again, record nothing.
            unanswered, answered = answered, None
            messages.error(request, MSG_CHOOSE_FIRST)
        else:
            feedback = services.practice_answer(staff=staff, question=answered, answer=given)
            answered.given = given if isinstance(given, list) else [given]
    question = (
        None
        if feedback
        else unanswered
        or services.practice_pick(
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
