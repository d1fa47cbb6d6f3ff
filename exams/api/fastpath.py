"""The lean exam-day paths: `POST /api/exams/attempts/<id>/save/` and the plain cases of
`POST /api/exams/sessions/<id>/start/` and `POST /api/exams/attempts/<id>/submit/`,
without the stack.

The hottest request of exam day (10,000 examinees: 333 a second) needs: the user id
from the session store, a CSRF check, the body checked, and the one conditional UPDATE
of `services.attempt_save`. Through the whole stack it also paid for the user row, roles
for the two-factor check, messages, locale, content security policy and DRF's request
machinery, about half its cost. This middleware, placed right after the security and
static-file middleware, answers saves itself and hands every other request on.

Same behaviour as the REST view (`api.learner.SaveView`, which stays for token clients
and the schema): 200 `{"saved", "seq", "reason"}`, 409 after the deadline or hand-in,
409 with reason "device" when another device has taken the attempt over (one device
at a time: the device cookie is one more condition of the same UPDATE), 404 for an
attempt that is not the user's (audited, as `get_own_attempt` does), 400 for
a malformed body, 403 when not signed in or the CSRF check fails. The session's idle
timeout is kept (and refreshed at most every five minutes, as
`accounts.middleware.SessionTimeoutMiddleware` does).

What it does not do, on purpose: re-read the user row to compare the session's password
hash (a session signed out by a password change elsewhere can still save into its own
open attempt until the session expires; it can do nothing else), and the administrators'
two-factor check (an attempt is started through the full stack).

The start (10,000 examinees within a minute: 167 a second) is answered here only in its
plain case: a signed-in learner whose session checks out (the password hash of the
session against the user row, an active account with no password change pending, not
an administrator, whom the stack asks for two-factor), a prepared paper, the doors
open and the person on the list. That costs the session and the exam's cached facts
(Redis in production), one read (`selectors.start_candidate`: the user, their staff row
and unit, their attempt) and one conditional UPDATE that returns the prepared paper
(`services.attempt_start_prepared`). Everything else (a resume, a second device, a
refusal with its audit entry, a paper to draw now, token clients) goes through the
REST view (`api.learner.StartView`), which gives the same answers.

The hand-in (in the last minute of a mass exam, 70 a second) is answered here in its
plain case too: the session and CSRF checked as for a start, then one transaction of one
SELECT, which locks the attempt (`FOR NO KEY UPDATE`, waiting for saves in flight) and
reads the account beside it (the session's password hash, active, no password change
pending, not an administrator), and one conditional UPDATE
(`services.attempt_hand_in_lean`). The answer is `api.learner.SubmitView`'s for an attempt
being scored; a second hand-in answers as the first. Another device, after the deadline
(closed at the deadline by the full path), scored already, not the user's (an audited
404), administrators and token clients go through that view. The hand-in's audit entry is
written by the batched scorer (`services.attempt_submit` says why).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from organisation.access import record_denied

from .. import selectors, services
from ..audience import start_facts_by_id
from ..device import device_for, device_of, device_remember
from ..messages import MSG_OTHER_DEVICE, MSG_TIME_OVER
from ..models import Attempt
from ..validation import AnswerError, clean_answer

SAVE_PATH = re.compile(r"^/api/exams/attempts/(?P<id>[0-9a-fA-F-]{32,36})/save/$")
START_PATH = re.compile(r"^/api/exams/sessions/(?P<id>[0-9a-fA-F-]{32,36})/start/$")
SUBMIT_PATH = re.compile(r"^/api/exams/attempts/(?P<id>[0-9a-fA-F-]{32,36})/submit/$")


def _csrf_refusal(request):
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


class ExamFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        if request.method != "POST" or "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)  # everything else, and token clients
        path = request.path_info
        if match := SAVE_PATH.match(path):
            answer = self._save
        elif match := START_PATH.match(path):
            answer = self._start
        elif match := SUBMIT_PATH.match(path):
            answer = self._submit
        else:
            return self.get_response(request)
        try:
            public_id = uuid.UUID(match["id"])
        except ValueError:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            return answer(request, public_id)

    def _signed_in(self, request):
        """(session, user id) of a request that may go on without the stack: a session
        of a known backend, not idle, and the CSRF check passed; None otherwise (the
        stack then answers, refusals included, as it always has)."""
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        session = self.session_store(key) if key else None
        user_id = session.get(SESSION_KEY) if session is not None else None
        if (
            user_id is None
            or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS
        ):
            return None
        last = session.get("last_seen")
        if last is not None and int(time.time()) - last > settings.SESSION_IDLE_TIMEOUT:
            return None
        request.session = session  # CSRF_USE_SESSIONS reads the token from it
        if _csrf_refusal(request) is not None:
            return None
        return session, int(user_id)

    def _submit(self, request, attempt_id):
        """The plain hand-in (in progress, before the deadline, this device, a learner's
        account), or an attempt already handed in; the full stack for anything else."""
        signed_in = self._signed_in(request)
        if signed_in is None:
            return self.get_response(request)
        session, user_id = signed_in
        handed_in = services.attempt_hand_in_lean(
            attempt_id=attempt_id,
            user_id=user_id,
            device=device_of(request),
            account_ok=lambda *account: _account_ok(*account, session=session),
        )
        if handed_in is None:
            return self.get_response(request)
        _touch(session)
        return HttpResponse(selectors.handed_in_json(handed_in), content_type="application/json")

    def _start(self, request, session_id):
        """The plain start of a prepared paper, or the full stack for anything else."""
        signed_in = self._signed_in(request)
        if signed_in is None:
            return self.get_response(request)
        session, user_id = signed_in
        facts = start_facts_by_id(session_id)
        candidate = (
            selectors.start_candidate(user_id=user_id, session_pk=facts.session_pk)
            if facts is not None
            else None
        )
        if candidate is None or not _account_ok(
            candidate.password,
            candidate.user_active,
            candidate.must_change_password,
            candidate.is_administrator,
            session=session,
        ):
            return self.get_response(request)
        device, new_device = device_for(request) if facts.one_device else ("", False)
        started = services.attempt_start_prepared(facts=facts, candidate=candidate, device=device)
        if started is None:
            return self.get_response(request)
        _touch(session)
        response = HttpResponse(
            selectors.prepared_start_json(facts, started), content_type="application/json"
        )
        if new_device:
            device_remember(response, device)
        return response

    def _save(self, request, attempt_id):
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        session = self.session_store(key) if key else None
        user_id = session.get(SESSION_KEY) if session is not None else None
        if user_id is None or session.get(BACKEND_SESSION_KEY) is None:
            return JsonResponse({"detail": _("You are not signed in.")}, status=403)
        now = int(time.time())
        last = session.get("last_seen")
        if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
            return JsonResponse({"detail": _("You are not signed in.")}, status=403)
        request.session = session  # CSRF_USE_SESSIONS reads the token from it
        refused = _csrf_refusal(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(request.body or b"null")
            position, answer, seq = _parse(body)
        except (ValueError, AnswerError) as exc:
            message = str(exc) if isinstance(exc, AnswerError) else _("The answer is malformed.")
            errors = {"non_field_errors": [message]}
            return JsonResponse({"detail": message, "errors": errors}, status=400)
        result = services.attempt_save(
            attempt_id=attempt_id,
            user_id=int(user_id),
            position=position,
            answer=answer,
            seq=seq,
            device=device_of(request),
        )
        if last is None or now - last > 300:
            session["last_seen"] = now
            session.save()
        if result.reason == "missing":
            if (
                Attempt.objects.filter(public_id=attempt_id)
                .exclude(staff__user_id=user_id)
                .exists()
            ):
                # Someone else's attempt: refused like a missing one, and audited.
                user = get_user_model().objects.filter(pk=user_id).first()
                record_denied(user, "exams.attempt", attempt_id)
            return JsonResponse({"detail": _("Not found.")}, status=404)
        body = {"saved": result.saved, "seq": result.seq, "reason": result.reason}
        if result.reason == "closed":
            return JsonResponse({**body, "detail": str(MSG_TIME_OVER)}, status=409)
        if result.reason == "device":  # one device at a time: another device took over
            return JsonResponse({**body, "detail": str(MSG_OTHER_DEVICE)}, status=409)
        return JsonResponse(body)


def _touch(session) -> None:
    """Refresh the idle timeout's last-seen time, at most every five minutes."""
    now = int(time.time())
    last = session.get("last_seen")
    if last is None or now - last > 300:
        session["last_seen"] = now
        session.save()


def _account_ok(password, active, must_change, is_administrator, *, session) -> bool:
    """What the authentication middleware and the account checks of the stack would
    let through: the session made with the current password, an active account, no
    password change pending, not an administrator (they must show two-factor)."""
    if not active or must_change or is_administrator:
        return False
    expected = get_user_model()(password=password).get_session_auth_hash()
    return constant_time_compare(session.get(HASH_SESSION_KEY, ""), expected)


def _int(value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(value)
    return value


def _parse(body) -> tuple[int, object, int]:
    """The SaveSerializer's rules, without DRF: item 1-1000, seq 1-2e9, an answer."""
    if not isinstance(body, dict) or "answer" not in body:
        raise ValueError(body)
    return (
        _int(body.get("item"), 1, 1000),
        clean_answer(body["answer"]),
        _int(body.get("seq"), 1, 2_000_000_000),
    )
