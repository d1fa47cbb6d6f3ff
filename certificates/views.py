"""Pages for certificates. Thin: parse, fetch through access, call services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import imports
from core.imports.workbook import XLSX_CONTENT_TYPE
from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    get_department_for,
    require_administrator,
    require_coordinator,
    require_unit_reader,
    user_roles,
)
from organisation.models import Staff
from organisation.selectors import department_roots_for

from . import services
from .access import (
    assessments_managed_by,
    certificates_visible_to,
    get_assessment_for,
    get_bundle_for,
    get_certificate_for,
    own_tickets,
)
from .dashboard import dashboard_build, dashboard_pdf, dashboard_xlsx
from .forms import (
    AssessmentCreateForm,
    ExternalCertificateForm,
    ImportForm,
    ReviewForm,
    RevokeForm,
    ScoreForm,
    VerifyForm,
)
from .models import BundleStatus, Certificate, CertificateBundle, CertificateSource, Notice
from .ratelimit import rate_limited
from .rates import gap_staff
from .selectors import certificate_list, certificate_verify

VERIFY_LIMIT_PER_MINUTE = 20


def too_many_message() -> str:
    return _(
        "Too many verification requests from your network. Please wait a minute and try again."
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- public verification --------------------------------------------------------------


def verify(request):
    """Public: certificate number + verification code. No sign-in needed."""
    form = VerifyForm(request.POST or None)
    result = None
    checked = False
    if request.method == "POST":
        if rate_limited(request, scope="verify", limit=VERIFY_LIMIT_PER_MINUTE):
            return render(
                request,
                "certificates/verify.html",
                {"form": form, "limited": too_many_message()},
                status=429,
            )
        if form.is_valid():
            checked = True
            result = certificate_verify(
                number=form.cleaned_data["number"], code=form.cleaned_data["code"]
            )
    response = render(
        request, "certificates/verify.html", {"form": form, "result": result, "checked": checked}
    )
    response["Cache-Control"] = "no-store"
    return response


def verify_code(request, code: str):
    """Public: the QR code's link."""
    if rate_limited(request, scope="verify", limit=VERIFY_LIMIT_PER_MINUTE):
        return render(
            request,
            "certificates/verify.html",
            {"form": VerifyForm(), "limited": too_many_message()},
            status=429,
        )
    result = certificate_verify(code=code)
    response = render(
        request,
        "certificates/verify.html",
        {"form": VerifyForm(), "result": result, "checked": True, "from_qr": True},
        status=200 if result else 404,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- learners and everyone signed in --------------------------------------------------


@login_required
def index(request):
    roles = user_roles(request.user)
    own = list(
        Certificate.objects.filter(staff__user_id=request.user.pk)
        .select_related("level")
        .order_by("-issue_date")
    )
    staff = Staff.objects.filter(user_id=request.user.pk).first()
    notices = list(Notice.objects.filter(user=request.user, read_at__isnull=True)[:10])
    if notices:  # shown once, then marked read
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(read_at=timezone.now())
    units = list(department_roots_for(user=request.user)) if roles.can_read_units else []
    tickets = list(own_tickets(request.user).filter(sitting__practical_ends_at__gte=timezone.now()))
    return render(
        request,
        "certificates/index.html",
        {
            "roles": roles,
            "own": own,
            "staff": staff,
            "notices": notices,
            "units": units,
            "tickets": tickets,
        },
    )


@login_required
def certificate_detail(request, public_id):
    certificate = get_certificate_for(request.user, public_id)
    roles = user_roles(request.user)
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "can_revoke": roles.is_administrator and certificate.revoked_on is None,
            "revoke_form": RevokeForm(),
        },
    )


@login_required
def certificate_pdf(request, public_id):
    certificate = get_certificate_for(request.user, public_id)
    if certificate.source != CertificateSource.ISSUED:
        raise Http404  # certificates from elsewhere have their scan, not our PDF
    try:
        pdf = services.certificate_pdf_get(certificate=certificate)  # stored once rendered
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("certificates:detail", public_id=certificate.public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_revoke(request, public_id):
    certificate = get_certificate_for(request.user, public_id, write=True)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_revoke(
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The certificate has been revoked."))
    else:
        messages.error(request, _("Give the reason for the revocation."))
    return redirect("certificates:detail", public_id=certificate.public_id)


# --- coordinators: a unit's certificates and who still needs one ----------------------


@login_required
def unit_certificates(request, department_id: int):
    department = get_department_for(request.user, department_id)
    queryset = certificate_list(
        queryset=certificates_visible_to(request.user).filter(
            staff__department__path__startswith=department.path
        )
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    bundles = CertificateBundle.objects.filter(
        requested_by=request.user, department=department
    ).order_by("-created_at")[:3]
    return render(
        request,
        "certificates/unit_certificates.html",
        {
            "department": department,
            "page": page,
            "bundles": bundles,
            "roles": user_roles(request.user),
        },
    )


@login_required
def unit_gap(request, department_id: int):
    """Who in the unit's subtree still needs a certificate: coordinators and managers
    (分管领导) push each unit by name; never ID numbers."""
    require_unit_reader(request.user)
    department = get_department_for(request.user, department_id)
    page = Paginator(gap_staff(department=department), 100).get_page(request.GET.get("page"))
    return render(request, "certificates/unit_gap.html", {"department": department, "page": page})


@login_required
@require_POST
def bundle_request(request, department_id: int):
    require_unit_reader(request.user)
    department = get_department_for(request.user, department_id)
    bundle = services.bundle_request(department=department, acting_user=request.user)
    messages.success(request, _("The ZIP file is being prepared."))
    return redirect("certificates:bundle", public_id=bundle.public_id)


@login_required
def bundle_detail(request, public_id):
    bundle = get_bundle_for(request.user, public_id)
    if request.GET.get("download") and bundle.status == BundleStatus.READY:
        response = FileResponse(
            bundle.file.open("rb"),
            as_attachment=True,
            filename=f"certificates-{bundle.department.code}.zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "certificates/bundle.html", {"bundle": bundle})


# --- assessments ----------------------------------------------------------------------


@login_required
def assessment_list(request):
    require_coordinator(request.user)
    form = AssessmentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff = (
            Staff.objects.filter(
                staff_number=form.cleaned_data["staff_number"].strip(),
                department__in=departments_managed_by(request.user),
            )
            .select_related("department")
            .first()
        )
        if staff is None:
            form.add_error(
                "staff_number", _("No staff member with this staff number in your units.")
            )
        else:
            try:
                assessment = services.assessment_create(
                    candidate=staff,
                    level=form.cleaned_data["level"],
                    assessed_on=form.cleaned_data["assessed_on"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("certificates:assessment_detail", public_id=assessment.public_id)
    queryset = (
        assessments_managed_by(request.user)
        .select_related("candidate__department", "level", "certificate")
        .order_by("-assessed_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/assessment_list.html",
        {"form": form, "page": page, "status": status},
    )


@login_required
def assessment_detail(request, public_id):
    require_coordinator(request.user)
    assessment = get_assessment_for(request.user, public_id, write=True)
    score_form = ScoreForm(prefix="score")
    review_form = ReviewForm(prefix="review")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "score":
                score_form = ScoreForm(request.POST, prefix="score")
                if score_form.is_valid():
                    data = score_form.cleaned_data
                    record = (
                        services.assessment_record_theory
                        if data["part"] == "theory"
                        else services.assessment_record_practical
                    )
                    record(
                        assessment=assessment,
                        score=data["score"],
                        source_label=data["source"] or _("Entered by examiner"),
                        acting_user=request.user,
                    )
                    messages.success(request, _("Score recorded."))
                    return redirect("certificates:assessment_detail", public_id=public_id)
            elif action == "review":
                review_form = ReviewForm(request.POST, prefix="review")
                if review_form.is_valid():
                    services.assessment_record_review(
                        assessment=assessment,
                        passed=review_form.cleaned_data["passed"],
                        note=review_form.cleaned_data["note"],
                        acting_user=request.user,
                    )
                    messages.success(request, _("Comprehensive review recorded."))
                    return redirect("certificates:assessment_detail", public_id=public_id)
            elif action == "issue":
                certificate = services.certificate_issue(
                    assessment=assessment,
                    acting_user=request.user,
                    photo=request.FILES.get("photo"),
                    request=request,
                )
                messages.success(
                    request, _("Certificate %(number)s issued.") % {"number": certificate.number}
                )
                return redirect("certificates:detail", public_id=certificate.public_id)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    certificate = Certificate.objects.filter(assessment=assessment).first()
    return render(
        request,
        "certificates/assessment_detail.html",
        {
            "assessment": assessment,
            "certificate": certificate,
            "score_form": score_form,
            "review_form": review_form,
            "rules": services.certification_settings_get(),
        },
    )


@login_required
def practical_import(request):
    """Check a file, import it (all rows, or the valid rows only), or download its
    rejected rows: each button posts the file again (nothing is kept between requests)."""
    require_coordinator(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("apply", "0")
        upload = form.cleaned_data["file"]
        if action == "rejected":
            try:
                data = imports.read_upload(upload)
            except ValidationError:
                data = b""  # refused: the check below says why
            content = (
                services.practical_scores_rejected_xlsx(data=data, acting_user=request.user)
                if data
                else b""
            )
            if content:
                response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
                response["Content-Disposition"] = 'attachment; filename="rejected-rows.xlsx"'
                response["Cache-Control"] = "no-store"
                return response
        result = services.practical_scores_import(
            file=upload,
            acting_user=request.user,
            dry_run=action not in ("1", "valid"),
            skip_invalid=action == "valid",
        )
        if result.committed:
            messages.success(
                request,
                _("%(count)s practical scores imported.")
                % {"count": result.counts.get("written", 0)},
            )
            if not result.errors:
                return redirect("certificates:assessments")
    errors = (
        [{**e, "message": services.PracticalRows().message(e)} for e in result.errors]
        if result
        else []
    )
    return render(
        request, "certificates/import.html", {"form": form, "result": result, "errors": errors}
    )


@login_required
def practical_import_template(request):
    require_coordinator(request.user)
    response = HttpResponse(
        services.practical_scores_template(acting_user=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="practical-scores.xlsx"'
    return response


@login_required
def external_create(request):
    require_administrator(request.user)
    form = ExternalCertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff = (
            Staff.objects.filter(
                staff_number=data["staff_number"].strip(),
                department__in=departments_managed_by(request.user),
            )
            .select_related("department")
            .first()
        )
        if staff is None:
            form.add_error(
                "staff_number", _("No staff member with this staff number in your units.")
            )
        else:
            try:
                certificate = services.certificate_record_external(
                    staff=staff,
                    level=data["level"],
                    number=data["number"],
                    issue_date=data["issue_date"],
                    expires_on=data["expires_on"],
                    assessment_body=data["assessment_body"],
                    evidence=data["evidence"],
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Certificate recorded."))
                return redirect("certificates:detail", public_id=certificate.public_id)
    return render(request, "certificates/external_form.html", {"form": form})


@login_required
def evidence_download(request, public_id):
    certificate = get_certificate_for(request.user, public_id)
    require_unit_reader(request.user)
    if not certificate.evidence:
        raise Http404
    response = FileResponse(certificate.evidence.open("rb"), as_attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the managers' dashboard ------------------------------------------------------------


@login_required
def dashboard(request):
    require_unit_reader(request.user)
    roots = list(department_roots_for(user=request.user))
    if len(roots) == 1:
        return redirect("certificates:dashboard_unit", department_id=roots[0].pk)
    return render(request, "certificates/dashboard_roots.html", {"units": roots})


@login_required
def dashboard_unit(request, department_id: int):
    require_unit_reader(request.user)
    department = get_department_for(request.user, department_id)
    board = dashboard_build(user=request.user, department=department)
    ancestors = list(
        departments_visible_to(request.user)
        .filter(path__in=_ancestor_paths(department))
        .order_by("path")
    )
    return render(request, "certificates/dashboard.html", {"board": board, "ancestors": ancestors})


def _ancestor_paths(department) -> list[str]:
    step = department.steplen
    return [department.path[:end] for end in range(step, len(department.path), step)]


@login_required
def dashboard_xlsx_export(request, department_id: int):
    require_unit_reader(request.user)
    department = get_department_for(request.user, department_id)
    board = dashboard_build(user=request.user, department=department)
    people = list(gap_staff(department=department)) if board.can_see_people else None
    response = HttpResponse(
        dashboard_xlsx(board, people=people),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certified-rate-{department.code}-{board.today}.xlsx"'
    )
    return response


@login_required
def dashboard_pdf_export(request, department_id: int):
    require_unit_reader(request.user)
    department = get_department_for(request.user, department_id)
    board = dashboard_build(user=request.user, department=department)
    response = HttpResponse(dashboard_pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certified-rate-{department.code}-{board.today}.pdf"'
    )
    return response
