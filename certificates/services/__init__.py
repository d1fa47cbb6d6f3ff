"""Writes on assessments and certificates. Each service is one transaction with an
audit entry; permission checks are here so that every door gets them.

Certificate numbering rule (documented, printed on the certificate):

    <prefix><year><level><sequence>     e.g. ZC 2026 4 000123 -> "ZC20264000123"

prefix from CertificationSettings.number_prefix, year of the issue date (4 digits),
level code (1 digit, 5 = entry level), and a 6-digit sequence per (year, level) taken
from a counter row locked with SELECT ... FOR UPDATE, so that concurrent issuance
never hands out the same number (a number already carried by a certificate recorded
from elsewhere is skipped); the unique constraint on `Certificate.number` is the last
line of defence."""

from .assessments import (
    MSG_ATTEMPT_NOT_GRADED,
    MSG_ATTEMPT_NOT_THEIRS,
    assessment_create,
    assessment_evaluate,
    assessment_record_practical,
    assessment_record_review,
    assessment_record_theory,
    assessment_record_theory_from_attempt,
)
from .bundle_request import bundle_request
from .bundles import bundle_build
from .common import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MSG_ALREADY_ISSUED,
    MSG_ALREADY_REVOKED,
    MSG_EVIDENCE_REQUIRED,
    MSG_EXPIRY_BEFORE_ISSUE,
    MSG_FILE_TOO_LARGE,
    MSG_FILE_TYPE,
    MSG_IMAGE_TYPE,
    MSG_ISSUE_DATE_FUTURE,
    MSG_LEVEL_NOT_OFFERED,
    MSG_NO_REVIEW_AT_LEVEL,
    MSG_NOT_PASSED,
    MSG_NOT_YOURS,
    MSG_NUMBER_REQUIRED,
    MSG_NUMBER_TAKEN,
    MSG_ONLY_ADMINISTRATORS,
    MSG_REASON_REQUIRED,
    MSG_SCORE_RANGE,
    add_years,
    certification_settings_get,
    mask_name,
    new_verification_code,
    validate_upload,
)
from .issuance import (
    EVIDENCE_MAX_BYTES,
    PHOTO_MAX_BYTES,
    certificate_issue,
    certificate_record_external,
    certificate_revoke,
)
from .pdf_store import certificate_pdf_get
from .practical_import import (
    MSG_IMPORT_DUPLICATE,
    MSG_IMPORT_LEVEL,
    MSG_IMPORT_NAME_MISMATCH,
    MSG_IMPORT_UNKNOWN_STAFF,
    PracticalRows,
    practical_scores_import,
    practical_scores_rejected_xlsx,
    practical_scores_template,
)
from .reminders import certificate_send_expiry_reminders
from .sitting_day import (
    check_in,
    examiner_appoint,
    examiner_assign,
    practical_flag_resolve,
    practical_score_record,
    room_record_absences,
    room_sign_off,
    sitting_criteria,
)
from .sitting_issue_request import sitting_issue_request
from .sitting_results import review_panel_record, sitting_issue_run, sitting_results_compute
from .sittings import (
    candidate_assign_seat,
    candidate_confirm,
    candidate_propose,
    candidate_withdraw,
    eligible_staff,
    sitting_assign_seats,
    sitting_create,
    sitting_link_theory,
    sitting_room_add,
    sitting_theory_create,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "EVIDENCE_MAX_BYTES",
    "MSG_ALREADY_ISSUED",
    "MSG_ALREADY_REVOKED",
    "MSG_ATTEMPT_NOT_GRADED",
    "MSG_ATTEMPT_NOT_THEIRS",
    "MSG_EVIDENCE_REQUIRED",
    "MSG_EXPIRY_BEFORE_ISSUE",
    "MSG_FILE_TOO_LARGE",
    "MSG_FILE_TYPE",
    "MSG_IMAGE_TYPE",
    "MSG_IMPORT_DUPLICATE",
    "MSG_IMPORT_LEVEL",
    "MSG_IMPORT_NAME_MISMATCH",
    "MSG_IMPORT_UNKNOWN_STAFF",
    "MSG_ISSUE_DATE_FUTURE",
    "MSG_LEVEL_NOT_OFFERED",
    "MSG_NOT_PASSED",
    "MSG_NOT_YOURS",
    "MSG_NO_REVIEW_AT_LEVEL",
    "MSG_NUMBER_REQUIRED",
    "MSG_NUMBER_TAKEN",
    "MSG_ONLY_ADMINISTRATORS",
    "MSG_REASON_REQUIRED",
    "MSG_SCORE_RANGE",
    "PHOTO_MAX_BYTES",
    "PracticalRows",
    "add_years",
    "assessment_create",
    "assessment_evaluate",
    "assessment_record_practical",
    "assessment_record_review",
    "assessment_record_theory",
    "assessment_record_theory_from_attempt",
    "bundle_build",
    "bundle_request",
    "candidate_assign_seat",
    "candidate_confirm",
    "candidate_propose",
    "candidate_withdraw",
    "certificate_issue",
    "certificate_pdf_get",
    "certificate_record_external",
    "certificate_revoke",
    "certificate_send_expiry_reminders",
    "certification_settings_get",
    "check_in",
    "eligible_staff",
    "examiner_appoint",
    "examiner_assign",
    "mask_name",
    "new_verification_code",
    "practical_flag_resolve",
    "practical_score_record",
    "practical_scores_import",
    "practical_scores_rejected_xlsx",
    "practical_scores_template",
    "review_panel_record",
    "room_record_absences",
    "room_sign_off",
    "sitting_assign_seats",
    "sitting_create",
    "sitting_criteria",
    "sitting_issue_request",
    "sitting_issue_run",
    "sitting_link_theory",
    "sitting_results_compute",
    "sitting_room_add",
    "sitting_theory_create",
    "validate_upload",
]
