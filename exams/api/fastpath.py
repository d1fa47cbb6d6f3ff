"""The lean save path: `POST /api/exams/attempts/<id>/save/` without the stack.

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
"""

from __future__ import annotations

import json
import re
import time
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from organisation.access import record_denied

from .. import services
from ..device import device_of
from ..messages import MSG_OTHER_DEVICE, MSG_TIME_OVER
from ..models import Attempt
from ..validation import AnswerError, clean_answer

SAVE_PATH = re.compile(r"^/api/exams/attempts/(?P<id>[0-9a-fA-F-]{32,36})/save/$")


def _csrf_refusal(request):
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


class ExamSaveMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        match = SAVE_PATH.match(request.path_info) if request.method == "POST" else None
        if match is None or "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)  # everything else, and token clients
        try:
            attempt_id = uuid.UUID(match["id"])
        except ValueError:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            return self._save(request, attempt_id)

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
