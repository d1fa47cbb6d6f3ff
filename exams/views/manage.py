"""Coordinators' and managers' exam pages: the session list and page, the grading
queue, the session settings (create, edit, publish) and the xlsx exports.

Thin: parse the form, get the session through the access module, call the selector or
the service, render. Everything out of the user's scope is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_record
from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    require_unit_manager,
    require_unit_reader,
    user_roles,
)

from .. import exports, selectors, services
from ..access import get_item_for_grading, get_session_for, sessions_managed_by
from ..forms import GradeForm, PaperSource, RuleFormSet, SessionForm, rules_initial
from ..messages import MSG_NO_QUESTIONS


@login_required
def session_list(request):
    require_unit_reader(request.user)
    sessions = selectors.session_list(request.user)[:100]
    can_create = departments_managed_by(request.user).exists()
    return render(
        request,
        "exams/manage/session_list.html",
        {"sessions": sessions, "can_create": can_create},
    )


@login_required
def session_detail(request, public_id):
    require_unit_reader(request.user)
    session = get_session_for(request.user, public_id)
    # The session's audience may reach beyond the user's subtree (a city exam seen by a
    # county): results, figures and analysis are of the user's own people only.
    managed = sessions_managed_by(request.user).filter(pk=session.pk).exists()
    return render(
        request,
        "exams/manage/session_detail.html",
        {
            "session": session,
            "attempts": [
                r["attempt"] for r in selectors.visible_results(session=session, user=request.user)
            ],
            "analysis": selectors.session_analysis(
                session=session, departments=departments_visible_to(request.user)
            ),
            "queue": selectors.grading_queue(
                session=session, departments=departments_managed_by(request.user)
            ),
            "audience": selectors.audience_count(session=session),
            "shortages": [s.message() for s in services.blueprint_check(session=session)],
            "rules": session.rules.select_related("knowledge_point"),
            "fixed_count": session.fixed_questions.count(),
            "integrity": selectors.integrity_report(session=session, user=request.user),
            "can_grade": user_roles(request.user).is_coordinator and managed,
            "can_edit": managed and session.closes_at > timezone.now(),
        },
    )


@login_required
def grade(request, public_id, question_id):
    """One question across all attempts, candidates anonymous, rubric and reference
    answer on screen. A refused score stays on screen with the reason."""
    session = get_session_for(request.user, public_id, write=True)
    pending = selectors.answers_to_grade(
        session=session, question_id=question_id, user=request.user
    )
    if request.method == "POST":
        item = get_item_for_grading(request.user, request.POST.get("item"))
        if item.attempt.session_id != session.pk:
            raise Http404
        form = GradeForm(request.POST, target=item)
        if form.is_valid():
            try:
                services.item_grade(
                    item=item,
                    points=form.cleaned_data["points"],
                    rubric_scores=form.cleaned_data["rubric_scores"],
                    comment=form.cleaned_data["comment"],
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "exams_manage:grade", public_id=session.public_id, question_id=question_id
                )
    else:
        item = pending.first()
        form = GradeForm(initial={"item": item.pk}, target=item) if item else None
    return render(
        request,
        "exams/manage/grade.html",
        {
            "session": session,
            "item": item,
            "remaining": pending.count(),
            "form": form,
            # Candidates are anonymous: a number derived from the attempt, never a name.
            "candidate": selectors.candidate_number(item.attempt_id) if item else "",
        },
    )


# --- session settings ---------------------------------------------------------------


def _show_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _paper(form, rules_formset) -> tuple[list[dict] | None, list | None]:
    """(rules, fixed) for the service; None leaves that part unchanged."""
    if form.locked:
        return None, None
    if form.cleaned_data["paper"] == PaperSource.FIXED:
        return [], form.cleaned_data["fixed_paper"]
    rules = [
        f.rule()
        for f in rules_formset.forms
        if f.has_changed() and not f.cleaned_data.get("DELETE") and f.cleaned_data
    ]
    return rules, []


def _edit(request, session=None):
    require_unit_manager(request.user)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=session, user=request.user)
    rules = RuleFormSet(data, initial=rules_initial(session), prefix="rules")
    if data is not None and form.is_valid() and (form.locked or rules.is_valid()):
        rule_list, fixed = _paper(form, rules)
        if (
            not form.locked
            and form.cleaned_data["paper"] == PaperSource.BLUEPRINT
            and not rule_list
        ):
            form.add_error(None, MSG_NO_QUESTIONS)
        else:
            try:
                session = _save(request, form, session, rule_list, fixed)
            except ValidationError as exc:
                _show_errors(form, exc)
            else:
                messages.success(request, _("The exam settings were saved."))
                return redirect("exams_manage:session", public_id=session.public_id)
    return render(
        request,
        "exams/manage/session_form.html",
        {"form": form, "rules": rules, "session": session},
    )


def _save(request, form, session, rules, fixed):
    fields = form.session_fields()
    if session is None:
        return services.exam_session_create(
            title=fields.pop("title"),
            kind=fields.pop("kind"),
            department=fields.pop("department"),
            opens_at=fields.pop("opens_at"),
            closes_at=fields.pop("closes_at"),
            options=fields,
            department_ids=[d.pk for d in form.cleaned_data["audience_departments"]],
            staff_ids=form.cleaned_data["staff_numbers"],
            rules=rules,
            fixed=fixed,
            extra_times=form.cleaned_data["extra_time"],
            created_by=request.user,
            publish=False,
            request=request,
        )
    locked = form.locked
    return services.exam_session_update(
        session=session,
        fields=fields,
        acting_user=request.user,
        department_ids=None
        if locked
        else [d.pk for d in form.cleaned_data["audience_departments"]],
        staff_ids=None if locked else form.cleaned_data["staff_numbers"],
        rules=rules,
        fixed=fixed,
        extra_times=form.cleaned_data["extra_time"],
        request=request,
    )


@login_required
def session_create(request):
    return _edit(request)


@login_required
def session_edit(request, public_id):
    session = get_session_for(request.user, public_id, write=True)
    if session.closes_at <= timezone.now():
        raise Http404
    return _edit(request, session)


@login_required
@require_POST
def session_publish(request, public_id):
    session = get_session_for(request.user, public_id, write=True)
    try:
        services.exam_session_publish(session=session, acting_user=request.user, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Published. The papers are being prepared."))
    return redirect("exams_manage:session", public_id=session.public_id)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def results_export(request, public_id):
    session = get_session_for(request.user, public_id)
    content = exports.results_xlsx(
        session=session,
        results={
            r["attempt"].staff_id: r
            for r in selectors.visible_results(session=session, user=request.user)
        },
    )
    audit_record(
        action="exam.results_exported", actor=request.user, target=session, request=request
    )
    return _xlsx(content, f"exam-results-{session.public_id}.xlsx")


@login_required
@require_GET
def analysis_export(request, public_id):
    session = get_session_for(request.user, public_id)
    content = exports.analysis_xlsx(
        session=session,
        analysis=selectors.session_analysis(
            session=session, departments=departments_visible_to(request.user)
        ),
    )
    audit_record(
        action="exam.analysis_exported", actor=request.user, target=session, request=request
    )
    return _xlsx(content, f"exam-analysis-{session.public_id}.xlsx")
