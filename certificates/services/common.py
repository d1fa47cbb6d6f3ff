"""Messages, configuration and the small rules every certificates service shares."""

from __future__ import annotations

import datetime
import logging
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by, is_administrator
from organisation.models import Department

from ..models import (
    CertificationSettings,
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

logger = logging.getLogger("certificates.services")
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
        from ..defaults import configuration_ensure
        from ..models import SkillLevel

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
