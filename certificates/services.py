"""Writes on assessments and certificates. Each service is one transaction with an
audit entry; permission checks are here so that every door gets them.

Certificate numbering rule (documented, printed on the certificate):

    <prefix><year><level><sequence>     e.g. ZC 2026 4 000123 -> "ZC20264000123"

prefix from CertificationSettings.number_prefix, year of the issue date (4 digits),
level code (1 digit, 5 = entry level), and a 6-digit sequence per (year, level) taken
from a counter row locked with SELECT ... FOR UPDATE, so that concurrent issuance
never hands out the same number (a number already carried by a certificate recorded
from elsewhere is skipped); the unique constraint on `Certificate.number` is the last
line of defence.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import clean_text, compact
from organisation.access import departments_managed_by, is_administrator
from organisation.models import Department, Role, RoleAssignment, Staff

from .glyphs import check_printable
from .models import (
    OCCUPATION,
    WORK_TYPE,
    Assessment,
    AssessmentStatus,
    BundleStatus,
    Certificate,
    CertificateBundle,
    CertificateCounter,
    CertificateSource,
    CertificationSettings,
    Notice,
    SkillLevel,
)

MSG_NOT_YOURS = _("You can only manage assessments and certificates of your own units.")
MSG_ONLY_ADMINISTRATORS = _("Only administrators can do this.")
MSG_LEVEL_NOT_OFFERED = _("This skill level is not offered.")
MSG_SCORE_RANGE = _("A score is a number from 0 to 100.")
MSG_NO_REVIEW_AT_LEVEL = _("Only levels 2 and 1 have a comprehensive review.")
MSG_NOT_PASSED = _("Only a passed assessment can lead to a certificate.")
MSG_ALREADY_ISSUED = _("A certificate has already been issued for this assessment.")
MSG_NUMBER_TAKEN = _("A certificate with this number already exists.")
MSG_NUMBER_REQUIRED = _("The certificate number is required.")
MSG_ALREADY_REVOKED = _("This certificate is already revoked.")
MSG_REASON_REQUIRED = _("Give the reason for the revocation.")
MSG_EVIDENCE_REQUIRED = _("Upload a scan of the certificate as evidence.")
MSG_FILE_TYPE = _("Upload a PDF, JPEG or PNG file.")
MSG_IMAGE_TYPE = _("Upload a JPEG or PNG photo.")
MSG_FILE_TOO_LARGE = _("The file is too large (at most %(mb)s MB).")
MSG_ISSUE_DATE_FUTURE = _("The issue date cannot be in the future.")
MSG_EXPIRY_BEFORE_ISSUE = _("The expiry date must be after the issue date.")

logger = logging.getLogger(__name__)

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_BYTES = 2 * 1024 * 1024
# No 0/O or 1/I: the code may be typed from paper. 16 of 32 symbols = 80 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16

_MAGIC = {
    "pdf": (b"%PDF-",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


# --- configuration -------------------------------------------------------------------


def certification_settings_get() -> CertificationSettings:
    """The rules row (seeded by migration 0002, re-created with defaults if missing)."""
    try:
        return CertificationSettings.objects.select_related("required_level").get(pk=1)
    except CertificationSettings.DoesNotExist:
        from .defaults import configuration_ensure
        from .models import SkillLevel

        configuration_ensure(SkillLevel, CertificationSettings)
        return CertificationSettings.objects.select_related("required_level").get(pk=1)


# --- helpers ---------------------------------------------------------------------------


def _check_can_manage(acting_user, department: Department) -> None:
    if acting_user is None:
        return  # system actions (commands run by an operator, demo data)
    if not departments_managed_by(acting_user).filter(pk=department.pk).exists():
        raise PermissionDenied(MSG_NOT_YOURS)


def _check_administrator(acting_user) -> None:
    if acting_user is not None and not is_administrator(acting_user):
        raise PermissionDenied(MSG_ONLY_ADMINISTRATORS)


def _score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(MSG_SCORE_RANGE, code="score") from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(MSG_SCORE_RANGE, code="score")
    return score


def validate_upload(upload: UploadedFile, *, kinds: tuple[str, ...], max_bytes: int) -> str:
    """Check a file by its content (magic bytes), not its name; return the kind."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            MSG_FILE_TOO_LARGE, code="too_large", params={"mb": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if any(head.startswith(magic) for magic in _MAGIC[kind]):
            return kind
    message = MSG_IMAGE_TYPE if "pdf" not in kinds else MSG_FILE_TYPE
    raise ValidationError(message, code="file_type")


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def mask_name(name: str) -> str:
    """张*明 for three characters, 张* for two, first and last kept for longer names."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- assessments -----------------------------------------------------------------------


def assessment_evaluate(*, assessment: Assessment, rules: CertificationSettings) -> str:
    """The pass rule: theory and practical both at least the pass mark, plus a passed
    comprehensive review where the level requires one. Missing parts keep it pending."""
    theory, practical = assessment.theory_score, assessment.practical_score
    review_needed = assessment.level.requires_review
    failed = (theory is not None and theory < rules.pass_mark) or (
        practical is not None and practical < rules.pass_mark
    )
    if failed or (review_needed and assessment.review_passed is False):
        return AssessmentStatus.FAILED
    if theory is None or practical is None or (review_needed and assessment.review_passed is None):
        return AssessmentStatus.PENDING
    return AssessmentStatus.PASSED


def _save_assessment(assessment: Assessment, fields: list[str]) -> None:
    assessment.status = assessment_evaluate(
        assessment=assessment, rules=certification_settings_get()
    )
    assessment.save(update_fields=[*fields, "status", "updated_at"])


def assessment_create(
    *,
    candidate: Staff,
    level: SkillLevel,
    assessed_on: datetime.date | None = None,
    acting_user=None,
) -> Assessment:
    if not level.is_offered:
        raise ValidationError({"level": ValidationError(MSG_LEVEL_NOT_OFFERED, code="level")})
    _check_can_manage(acting_user, candidate.department)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            candidate=candidate,
            level=level,
            assessed_on=assessed_on or timezone.localdate(),
            created_by=acting_user,
        )
        audit_record(
            action="assessment.created",
            actor=acting_user,
            target=assessment,
            data={"candidate": str(candidate.public_id), "level": level.code},
        )
    return assessment


def assessment_record_theory(
    *, assessment: Assessment, score, source_label: str, attempt_ref: str = "", acting_user=None
) -> Assessment:
    """Record the theory exam result (from the exam engine, or entered)."""
    value = _score(score)
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.theory_score = value
        assessment.theory_source = clean_text(source_label)[:100]
        assessment.theory_attempt_ref = compact(attempt_ref)[:64]
        _save_assessment(assessment, ["theory_score", "theory_source", "theory_attempt_ref"])
        audit_record(
            action="assessment.theory_recorded",
            actor=acting_user,
            target=assessment,
            data={"score": str(value), "source": assessment.theory_source},
        )
    return assessment


def assessment_record_practical(
    *, assessment: Assessment, score, source_label: str, acting_user=None
) -> Assessment:
    value = _score(score)
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.practical_score = value
        assessment.practical_source = clean_text(source_label)[:100]
        _save_assessment(assessment, ["practical_score", "practical_source"])
        audit_record(
            action="assessment.practical_recorded",
            actor=acting_user,
            target=assessment,
            data={"score": str(value), "source": assessment.practical_source},
        )
    return assessment


def assessment_record_review(
    *, assessment: Assessment, passed: bool, note: str = "", acting_user=None
) -> Assessment:
    """The comprehensive review (综合评审) of levels 2 and 1."""
    if not assessment.level.requires_review:
        raise ValidationError(MSG_NO_REVIEW_AT_LEVEL, code="no_review")
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.review_passed = bool(passed)
        assessment.review_note = clean_text(note)[:200]
        _save_assessment(assessment, ["review_passed", "review_note"])
        audit_record(
            action="assessment.review_recorded",
            actor=acting_user,
            target=assessment,
            data={"passed": assessment.review_passed},
        )
    return assessment


# --- issuance --------------------------------------------------------------------------


def _next_number(*, rules: CertificationSettings, year: int, level_code: int) -> str:
    """Take the next sequence number; call inside a transaction."""
    counter, _ = CertificateCounter.objects.select_for_update().get_or_create(
        year=year, level_code=level_code
    )
    while True:
        counter.last_value += 1
        number = f"{rules.number_prefix}{year:04d}{level_code}{counter.last_value:06d}"
        # A certificate recorded from elsewhere may already carry this number: skip it.
        if not Certificate.objects.filter(number=number).exists():
            break
    counter.save(update_fields=["last_value"])
    return number


def _printable_fields(*, name: str, level: SkillLevel, body: str) -> dict[str, str]:
    return {
        gettext("the name"): name,
        gettext("the level"): level.name,
        gettext("the assessment body"): body,
    }


def certificate_issue(
    *,
    assessment: Assessment,
    acting_user=None,
    photo: UploadedFile | None = None,
    issue_date: datetime.date | None = None,
    request=None,
) -> Certificate:
    """Issue the certificate for a passed assessment (one transaction, audited)."""
    rules = certification_settings_get()
    candidate = assessment.candidate
    _check_can_manage(acting_user, candidate.department)
    if assessment.status != AssessmentStatus.PASSED:
        raise ValidationError(MSG_NOT_PASSED, code="not_passed")
    if Certificate.objects.filter(assessment=assessment).exists():
        raise ValidationError(MSG_ALREADY_ISSUED, code="already_issued")
    check_printable(
        _printable_fields(name=candidate.name, level=assessment.level, body=rules.assessment_body)
    )
    if photo is not None:
        validate_upload(photo, kinds=("jpeg", "png"), max_bytes=PHOTO_MAX_BYTES)
    issued = issue_date or timezone.localdate()
    with transaction.atomic():
        certificate = Certificate(
            number=_next_number(rules=rules, year=issued.year, level_code=assessment.level.code),
            verification_code=new_verification_code(),
            staff=candidate,
            assessment=assessment,
            source=CertificateSource.ISSUED,
            level=assessment.level,
            holder_name=candidate.name,
            id_number_masked=candidate.id_number_masked,
            occupation=OCCUPATION,
            work_type=WORK_TYPE,
            issue_date=issued,
            expires_on=add_years(issued, rules.validity_years) if rules.validity_years else None,
            assessment_body=rules.assessment_body,
            created_by=acting_user,
        )
        if photo is not None:
            certificate.photo.save(f"{certificate.verification_code}.img", photo, save=False)
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            # The same assessment issued twice at the same moment, or the number was
            # already taken by a certificate recorded from elsewhere (issue again).
            if Certificate.objects.filter(assessment=assessment).exists():
                raise ValidationError(MSG_ALREADY_ISSUED, code="already_issued") from None
            raise ValidationError(MSG_NUMBER_TAKEN, code="number_taken") from None
        audit_record(
            action="certificate.issued",
            actor=acting_user,
            target=certificate,
            data={
                "number": certificate.number,
                "staff": str(candidate.public_id),
                "level": assessment.level.code,
            },
            request=request,
        )
    return certificate


def certificate_record_external(
    *,
    staff: Staff,
    level: SkillLevel,
    number: str,
    issue_date: datetime.date,
    assessment_body: str,
    evidence: UploadedFile | None,
    expires_on: datetime.date | None = None,
    acting_user=None,
    request=None,
) -> Certificate:
    """Record a certificate obtained elsewhere (e.g. an earlier paper certificate),
    with a scan as evidence. Administrators only."""
    _check_administrator(acting_user)
    number = compact(number).upper()
    errors: dict[str, list] = {}
    if not number:
        errors.setdefault("number", []).append(ValidationError(MSG_NUMBER_REQUIRED, "required"))
    elif Certificate.objects.filter(number=number).exists():
        errors.setdefault("number", []).append(ValidationError(MSG_NUMBER_TAKEN, "taken"))
    if issue_date > timezone.localdate():
        errors.setdefault("issue_date", []).append(ValidationError(MSG_ISSUE_DATE_FUTURE, "date"))
    if expires_on is not None and expires_on <= issue_date:
        errors.setdefault("expires_on", []).append(ValidationError(MSG_EXPIRY_BEFORE_ISSUE, "date"))
    if evidence is None:
        errors.setdefault("evidence", []).append(ValidationError(MSG_EVIDENCE_REQUIRED, "required"))
    else:
        try:
            kind = validate_upload(
                evidence, kinds=("pdf", "jpeg", "png"), max_bytes=EVIDENCE_MAX_BYTES
            )
        except ValidationError as exc:
            errors.setdefault("evidence", []).append(exc)
    if errors:
        raise ValidationError(errors)
    body = clean_text(assessment_body)
    with transaction.atomic():
        certificate = Certificate(
            number=number,
            verification_code=new_verification_code(),
            staff=staff,
            source=CertificateSource.EXTERNAL,
            level=level,
            holder_name=staff.name,
            id_number_masked=staff.id_number_masked,
            issue_date=issue_date,
            expires_on=expires_on,
            assessment_body=body,
            created_by=acting_user,
        )
        extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[kind]
        certificate.evidence.save(
            f"{certificate.verification_code}.{extension}", evidence, save=False
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:  # the same number recorded twice at the same moment
            raise ValidationError(
                {"number": ValidationError(MSG_NUMBER_TAKEN, code="taken")}
            ) from None
        audit_record(
            action="certificate.recorded_external",
            actor=acting_user,
            target=certificate,
            data={"number": number, "staff": str(staff.public_id), "level": level.code},
            request=request,
        )
    return certificate


def certificate_revoke(
    *, certificate: Certificate, reason: str, acting_user=None, request=None
) -> Certificate:
    _check_administrator(acting_user)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": ValidationError(MSG_REASON_REQUIRED, code="required")})
    if certificate.revoked_on is not None:
        raise ValidationError(MSG_ALREADY_REVOKED, code="already_revoked")
    with transaction.atomic():
        certificate.revoked_on = timezone.localdate()
        certificate.revoked_reason = reason[:200]
        certificate.save(update_fields=["revoked_on", "revoked_reason"])
        audit_record(
            action="certificate.revoked",
            actor=acting_user,
            target=certificate,
            data={"number": certificate.number, "reason": certificate.revoked_reason},
            request=request,
        )
    return certificate


# --- expiry reminders --------------------------------------------------------------------


def _coordinators_of(department: Department):
    return (
        RoleAssignment.objects.filter(role=Role.COORDINATOR)
        .filter(StartsWith(Value(department.path), F("department__path")))
        .select_related("user")
    )


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    """Send a reminder; a mail failure is logged, the in-app notice stays."""
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("expiry reminder mail failed")


def certificate_send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Remind holders and their coordinators of certificates expiring within the
    configured number of days. Each certificate is reminded once (idempotent, also
    when two runs overlap: the claim is a conditional UPDATE)."""
    today = today or timezone.localdate()
    rules = certification_settings_get()
    horizon = today + datetime.timedelta(days=rules.reminder_days)
    due = (
        Certificate.objects.filter(
            expires_on__isnull=False,
            expires_on__gte=today,
            expires_on__lte=horizon,
            revoked_on__isnull=True,
            expiry_reminder_sent_at__isnull=True,
        )
        .select_related("staff__department", "staff__user", "level")
        .order_by("expires_on", "pk")
    )
    sent = 0
    for certificate in due:
        with transaction.atomic():
            claimed = Certificate.objects.filter(
                pk=certificate.pk, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=timezone.now())
            if not claimed:
                continue
            message = gettext(
                "The certificate %(number)s of %(name)s (%(level)s) expires on %(date)s."
            ) % {
                "number": certificate.number,
                "name": certificate.holder_name,
                "level": certificate.level.name,
                "date": certificate.expires_on.isoformat(),
            }
            users = []
            if certificate.staff.user_id:
                users.append(certificate.staff.user)
            users.extend(a.user for a in _coordinators_of(certificate.staff.department))
            unique_users = {u.pk: u for u in users}.values()
            Notice.objects.bulk_create(
                [Notice(user=u, certificate=certificate, message=message) for u in unique_users]
            )
            emails = sorted({u.email for u in unique_users if u.email})
            if emails:
                transaction.on_commit(
                    lambda emails=emails, message=message: _mail(
                        gettext("Certificate expiry reminder"), message, emails
                    )
                )
            audit_record(
                action="certificate.expiry_reminded",
                target=certificate,
                data={"recipients": len(unique_users)},
            )
        sent += 1
    return sent


# --- imports ---------------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    staff_number: str
    name: str
    level: int | None
    score: Decimal | None
    assessment_id: int | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


PRACTICAL_HEADERS = {
    "staff_number": ("工号", "人员编号", "工号/人员编号", "staff number"),
    "name": ("姓名", "name"),
    "level": ("等级", "级别", "level"),
    "score": ("实操成绩", "操作技能成绩", "操作技能考核成绩", "practical score", "score"),
}
MSG_IMPORT_UNREADABLE = _("The file cannot be read as a spreadsheet (xlsx, xls or ods).")
MSG_IMPORT_NO_HEADER = _("No header row with the columns 工号, 姓名, 等级 and 实操成绩 was found.")
MSG_IMPORT_UNKNOWN_STAFF = _("No staff member with this staff number in your units.")
MSG_IMPORT_NAME_MISMATCH = _("The name does not match the staff number.")
MSG_IMPORT_LEVEL = _("Unknown or not offered level.")
MSG_IMPORT_DUPLICATE = _("This person and level appear twice in the file.")


def practical_scores_template(*, acting_user) -> bytes:
    """An xlsx to fill in: the header row, then every open assessment in the user's
    units that still lacks a practical score (one row each, score left empty)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from core.exports import safe_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "实操成绩"
    ws.append([names[0] for names in PRACTICAL_HEADERS.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    open_assessments = (
        Assessment.objects.filter(
            candidate__department__in=departments_managed_by(acting_user),
            status=AssessmentStatus.PENDING,
            practical_score__isnull=True,
        )
        .select_related("candidate", "level")
        .order_by("candidate__department__path", "candidate__staff_number")
    )
    for assessment in open_assessments.iterator(chunk_size=500):
        ws.append(
            [
                safe_cell(assessment.candidate.staff_number),
                safe_cell(assessment.candidate.name),
                safe_cell(assessment.level.name),
                None,
            ]
        )
    for column, width in zip("ABCD", (16, 12, 16, 12), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _norm_header(value) -> str:
    return compact(str(value or "")).lower()


def _parse_level(value, levels: dict[int, SkillLevel]) -> SkillLevel | None:
    text = compact(str(value or ""))
    if text.endswith(".0"):
        text = text[:-2]
    for level in levels.values():
        if text in {str(level.code), level.name} or (text and text in level.name.split("/")):
            return level
    return None


def practical_scores_import(*, file, acting_user=None, dry_run: bool = True) -> ImportResult:
    """Import practical scores (工号, 姓名, 等级, 实操成绩) from xlsx/xls/ods.

    Dry run first: every row is checked and errors are reported by row number; with
    `dry_run=False` and no errors, the scores are written in one transaction (each
    candidate's open assessment at that level, or a new one).
    """
    from python_calamine import CalamineWorkbook

    result = ImportResult()
    try:
        file.seek(0)
        rows = CalamineWorkbook.from_filelike(file).get_sheet_by_index(0).to_python()
    except Exception:
        result.errors.append((0, str(MSG_IMPORT_UNREADABLE)))
        return result
    header_index, columns = None, {}
    wanted = {key: {_norm_header(h) for h in names} for key, names in PRACTICAL_HEADERS.items()}
    for index, row in enumerate(rows[:10]):
        found = {}
        for col, cell in enumerate(row):
            for key, names in wanted.items():
                if _norm_header(cell) in names and key not in found:
                    found[key] = col
        if len(found) == len(wanted):
            header_index, columns = index, found
            break
    if header_index is None:
        result.errors.append((0, str(MSG_IMPORT_NO_HEADER)))
        return result

    levels = {lv.code: lv for lv in SkillLevel.objects.filter(is_offered=True)}
    visible = Staff.objects.all()
    if acting_user is not None:
        visible = Staff.objects.filter(department__in=departments_managed_by(acting_user))
    parsed: list[tuple[int, str, str, object, object]] = []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = [row[columns[k]] if columns[k] < len(row) else "" for k in PRACTICAL_HEADERS]
        if not any(compact(str(c or "")) for c in cells):
            continue
        staff_number = compact(str(cells[0] or ""))
        if staff_number.endswith(".0"):
            staff_number = staff_number[:-2]
        parsed.append((index, staff_number, clean_text(str(cells[1] or "")), cells[2], cells[3]))
    staff_by_number = {
        s.staff_number: s
        for s in visible.filter(staff_number__in=[p[1] for p in parsed]).select_related(
            "department"
        )
    }
    seen: set[tuple[str, int]] = set()
    valid: list[tuple[ImportRow, Staff, SkillLevel]] = []
    for index, staff_number, name, level_cell, score_cell in parsed:
        staff = staff_by_number.get(staff_number)
        level = _parse_level(level_cell, levels)
        problems = []
        if staff is None:
            problems.append(str(MSG_IMPORT_UNKNOWN_STAFF))
        elif name and name != staff.name:
            problems.append(str(MSG_IMPORT_NAME_MISMATCH))
        if level is None:
            problems.append(str(MSG_IMPORT_LEVEL))
        try:
            score = _score(score_cell)
        except ValidationError:
            score = None
            problems.append(str(MSG_SCORE_RANGE))
        if staff is not None and level is not None:
            if (staff_number, level.code) in seen:
                problems.append(str(MSG_IMPORT_DUPLICATE))
            seen.add((staff_number, level.code))
        import_row = ImportRow(index, staff_number, name, level.code if level else None, score)
        result.rows.append(import_row)
        for problem in problems:
            result.errors.append((index, problem))
        if not problems:
            valid.append((import_row, staff, level))
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        for import_row, staff, level in valid:
            assessment = (
                Assessment.objects.filter(candidate=staff, level=level, certificate__isnull=True)
                .exclude(status=AssessmentStatus.FAILED)
                .order_by("-assessed_on", "-pk")
                .first()
            ) or assessment_create(candidate=staff, level=level, acting_user=acting_user)
            assessment_record_practical(
                assessment=assessment,
                score=import_row.score,
                source_label=gettext("Imported from spreadsheet"),
                acting_user=acting_user,
            )
            import_row.assessment_id = assessment.pk
        audit_record(
            action="assessment.practical_imported",
            actor=acting_user,
            data={"rows": len(valid)},
        )
    result.applied = True
    return result


# --- bulk download -------------------------------------------------------------------


def bundle_request(*, department: Department, acting_user) -> CertificateBundle:
    """Ask for a ZIP of the unit's (subtree's) certificates; built in the background."""
    from .tasks import build_certificate_bundle

    with transaction.atomic():
        bundle = CertificateBundle.objects.create(department=department, requested_by=acting_user)
        audit_record(
            action="certificate.bundle_requested",
            actor=acting_user,
            target=bundle,
            data={"department": department.code},
        )
        transaction.on_commit(lambda: build_certificate_bundle.enqueue(bundle_id=bundle.pk))
    return bundle


def bundle_build(*, bundle_id: int) -> CertificateBundle:
    """Render every valid certificate of the bundle's subtree into one ZIP file.

    A certificate that cannot be printed (a missing glyph) is listed in a text file
    inside the ZIP instead of aborting the whole bundle.
    """
    import io
    import zipfile

    from django.core.files.base import ContentFile

    from .pdf import render_certificate_pdf

    bundle = CertificateBundle.objects.select_related("department").get(pk=bundle_id)
    certificates = (
        Certificate.objects.filter(
            staff__department__path__startswith=bundle.department.path,
            revoked_on__isnull=True,
            source=CertificateSource.ISSUED,
        )
        .select_related("level", "staff__department")
        .order_by("staff__department__path", "number")
    )
    buffer = io.BytesIO()
    skipped: list[str] = []
    count = 0
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for certificate in certificates.iterator(chunk_size=200):
                try:
                    pdf = render_certificate_pdf(certificate)
                except ValidationError as exc:
                    skipped.append(f"{certificate.number}\t{exc.messages[0]}")
                    continue
                archive.writestr(f"{certificate.number}-{certificate.holder_name}.pdf", pdf)
                count += 1
            if skipped:
                archive.writestr("not-printed.txt", "\n".join(skipped) + "\n")
    except Exception as exc:
        logger.exception("certificate bundle %s failed", bundle.pk)
        bundle.status = BundleStatus.FAILED
        bundle.error = str(exc)[:300]
        bundle.finished_at = timezone.now()
        bundle.save(update_fields=["status", "error", "finished_at"])
        return bundle
    bundle.file.save(f"{bundle.public_id}.zip", ContentFile(buffer.getvalue()), save=False)
    bundle.status = BundleStatus.READY
    bundle.count = count
    bundle.finished_at = timezone.now()
    bundle.save(update_fields=["file", "status", "count", "finished_at"])
    return bundle


MSG_ATTEMPT_NOT_THEIRS = _("This exam attempt belongs to someone else.")
MSG_ATTEMPT_NOT_GRADED = _("This exam attempt is not finished and fully graded yet.")


def assessment_record_theory_from_attempt(
    *, assessment: Assessment, attempt, acting_user=None
) -> Assessment:
    """Take the theory score from a finished, fully graded exam attempt of the same
    candidate (the exam engine's percentage, out of 100)."""
    from exams.models import FINISHED_STATUSES

    if attempt.staff_id != assessment.candidate_id:
        raise ValidationError(MSG_ATTEMPT_NOT_THEIRS)
    if attempt.status not in FINISHED_STATUSES or attempt.needs_grading or attempt.percent is None:
        raise ValidationError(MSG_ATTEMPT_NOT_GRADED)
    return assessment_record_theory(
        assessment=assessment,
        score=attempt.percent,
        source_label=attempt.session.title,
        attempt_ref=str(attempt.public_id).replace("-", ""),
        acting_user=acting_user,
    )
