"""The question bank for coordinators (and administrators): list with filters, create
and edit (a key correction re-scores attempts, after a confirmation that says how
many), each question's history of versions (restore an earlier one) and the review
that lets a draft go live, xlsx import (upload → dry-run report → confirm, or import
the valid rows and download the rejected ones) and export. Everyone else gets 404.
Thin: parse, fetch through exams.access, call services / question_io, render."""

import datetime
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import question_io, selectors, services
from ..access import get_question_for, questions_visible_to, require_bank_editor
from ..forms import ConfirmImportForm, FilterForm, ImportForm, QuestionForm
from ..models import AttemptItem

PER_PAGE = 50
SHOWN = 200  # report rows shown on the page
PENDING_DIR = "question-imports"
SESSION_KEY = "question_import_pending"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=question_io.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _filtered(request):
    form = FilterForm(request.GET or None)
    queryset = selectors.bank_questions(
        queryset=questions_visible_to(request.user), **(form.filters() if form.is_bound else {})
    )
    return form, queryset


@login_required
@require_GET
def question_list(request):
    require_bank_editor(request.user)
    form, queryset = _filtered(request)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exams/bank/list.html",
        {"form": form, "page": page, "query": request.GET.urlencode()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request):
    require_bank_editor(request.user)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        question = services.question_create(
            acting_user=request.user, request=request, **form.question_fields()
        )
        messages.success(request, _("The question was added to the bank."))
        return redirect("exams_bank:edit", public_id=question.public_id)
    return render(request, "exams/bank/form.html", {"form": form, "question": None})


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, public_id):
    require_bank_editor(request.user)
    question = get_question_for(request.user, public_id)
    asked = AttemptItem.objects.filter(question=question).exists()
    if request.method != "POST":
        form = QuestionForm(initial=QuestionForm.initial_for(question))
        return render(
            request, "exams/bank/form.html", {"form": form, "question": question, "asked": asked}
        )
    form = QuestionForm(request.POST)
    context = {"form": form, "question": question, "asked": asked}
    if not form.is_valid():
        return render(request, "exams/bank/form.html", context)
    fields = form.question_fields()
    new_key = fields.pop("answer")
    key_changed = new_key != question.answer
    if key_changed and asked:
        try:  # the service enforces the rule again when it corrects the key
            rescored = services.key_correction_check(question=question, acting_user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return render(request, "exams/bank/form.html", context)
        if not form.cleaned_data.get("confirm_rescore"):
            return render(
                request,
                "exams/bank/confirm_key.html",
                {
                    "question": question,
                    "form": form,
                    "rescored": rescored,
                    "old_key": question_io.format_answer(question),
                    "new_key": form.cleaned_data.get("answer"),
                },
            )
    correction = key_changed and asked
    if not correction:
        fields["answer"] = new_key
    with transaction.atomic():  # the other fields and the key correction together
        services.question_update(
            question=question, acting_user=request.user, request=request, **fields
        )
        if correction:
            count = services.question_correct_key(
                question=question, answer=new_key, acting_user=request.user, request=request
            )
    if correction:
        messages.success(
            request,
            _("The answer key was corrected and %(count)s attempts were re-scored.")
            % {"count": count},
        )
    else:
        messages.success(request, _("The question was saved."))
    return redirect("exams_bank:edit", public_id=question.public_id)


# --- import ------------------------------------------------------------------------------------


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY) or {}


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload and dry run: the report, and (with no errors) a confirmation form. The
    file waits in storage under a random name known only to this browser session."""
    require_bank_editor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "exams/bank/import.html", {"form": form})
    upload = form.cleaned_data["file"]
    try:
        data = question_io.read_upload(upload)
    except ValidationError as exc:
        report = question_io.refusal_report(exc, filename=upload.name)
        data = None
    else:
        report = question_io.questions_preview(
            acting_user=request.user, filename=upload.name, data=data
        )
    confirm = None
    if data is not None and report.refused is None and report.counts.get("new"):
        _discard_pending(request)
        _purge_stale()
        token = secrets.token_hex(16)
        default_storage.save(f"{PENDING_DIR}/{token}.xlsx", ContentFile(data))
        request.session[SESSION_KEY] = {
            "token": token,
            "filename": report.filename,
            "sha256": report.sha256,
            "at": timezone.now().isoformat(),
        }
        confirm = ConfirmImportForm(initial={"token": token, "skip_invalid": not report.ok})
    return render(request, "exams/bank/import_report.html", _report_context(report, confirm))


def _report_context(report, confirm=None, *, pending: bool = False) -> dict:
    errors = [{**e, "message": question_io.row_message(e)} for e in report.errors]
    duplicates = [{**e, "message": question_io.row_message(e)} for e in report.duplicates]
    return {
        "report": report,
        "counts": report.counts,
        "errors": errors[:SHOWN],
        "errors_more": max(0, len(errors) - SHOWN),
        "duplicates": duplicates[:SHOWN],
        "new": report.new[:SHOWN],
        "confirm": confirm,
        "rejected_url": reverse("exams_bank:import_rejected")
        if report.errors and (confirm is not None or pending)
        else "",
        "review_required": services.review_required(),
    }


def _purge_stale(max_age=datetime.timedelta(days=1)) -> None:
    """Checked files never confirmed are removed after a day (best effort)."""
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    cutoff = timezone.now() - max_age
    for name in files:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError, OSError):
            continue


def _discard_pending(request) -> None:
    pending = _pending(request)
    if pending.get("token"):
        default_storage.delete(f"{PENDING_DIR}/{pending['token']}.xlsx")
    request.session.pop(SESSION_KEY, None)


@login_required
@require_POST
def import_confirm(request):
    require_bank_editor(request.user)
    form = ConfirmImportForm(request.POST)
    pending = _pending(request)
    if not form.is_valid() or form.cleaned_data["token"] != pending.get("token"):
        messages.error(request, _("This import has expired; upload the file again."))
        return redirect("exams_bank:import")
    name = f"{PENDING_DIR}/{pending['token']}.xlsx"
    if not default_storage.exists(name):
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("This import has expired; upload the file again."))
        return redirect("exams_bank:import")
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    try:
        report = question_io.questions_import(
            acting_user=request.user,
            filename=pending["filename"],
            data=data,
            skip_invalid=form.cleaned_data["skip_invalid"],
            request=request,
        )
    except PermissionDenied:
        raise Http404 from None
    if not report.committed:
        # The bank changed since the dry run: show the new report.
        _discard_pending(request)
        return render(request, "exams/bank/import_report.html", _report_context(report))
    messages.success(
        request,
        _("%(new)s questions were imported; %(duplicates)s duplicates were skipped.")
        % {"new": report.counts["new"], "duplicates": report.counts["duplicates"]},
    )
    if report.skipped_invalid:
        # The rejected rows stay downloadable (from the kept file) until the next upload.
        return render(
            request, "exams/bank/import_report.html", _report_context(report, pending=True)
        )
    _discard_pending(request)
    return redirect("exams_bank:list")


@login_required
@require_GET
def import_rejected(request):
    """The rows of the pending (or just imported) file that have errors: to fix and
    upload again."""
    require_bank_editor(request.user)
    pending = _pending(request)
    name = f"{PENDING_DIR}/{pending.get('token', '')}.xlsx"
    if not pending.get("token") or not default_storage.exists(name):
        raise Http404
    with default_storage.open(name, "rb") as handle:
        content = question_io.questions_rejected_xlsx(data=handle.read())
    if not content:
        raise Http404
    return _xlsx(content, "rejected-questions.xlsx")


# --- versions and review -------------------------------------------------------------------------


@login_required
@require_GET
def question_history(request, public_id):
    require_bank_editor(request.user)
    question = get_question_for(request.user, public_id)
    return render(
        request,
        "exams/bank/history.html",
        {"question": question, "versions": services.question_history(question=question)},
    )


@login_required
@require_POST
def question_restore(request, public_id):
    """Restore the version whose number is posted (a version of this question only)."""
    require_bank_editor(request.user)
    question = get_question_for(request.user, public_id)
    try:
        number = int(request.POST.get("number", ""))
    except ValueError:
        raise Http404 from None
    try:
        services.question_restore(
            question=question, number=number, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Version %(number)s was restored as a new version.") % {"number": number}
        )
    return redirect("exams_bank:history", public_id=question.public_id)


@login_required
@require_POST
def question_approve(request, public_id):
    require_bank_editor(request.user)
    question = get_question_for(request.user, public_id)
    try:
        services.question_approve(question=question, acting_user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The question is live."))
    return redirect("exams_bank:edit", public_id=question.public_id)


# --- export and template -------------------------------------------------------------------------


@login_required
@require_GET
def export(request):
    require_bank_editor(request.user)
    _form, queryset = _filtered(request)
    return _xlsx(
        question_io.questions_export_xlsx(questions=queryset),
        f"question-bank-{timezone.localdate():%Y%m%d}.xlsx",
    )


@login_required
@require_GET
def template(request):
    require_bank_editor(request.user)
    return _xlsx(question_io.template_xlsx(), "question-bank-template.xlsx")
