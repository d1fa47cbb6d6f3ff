"""Row messages and their stable codes (tests and the API use the codes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import imports

from ..reader import (
    FIELD_LABELS,
)

# --- row messages (codes are stable; tests and the API use them) ------------------------

MSG_REQUIRED = imports.MSG_REQUIRED
MSG_TOO_LONG = imports.MSG_TOO_LONG
MSG_ID_HIDDEN = _(
    "ID numbers are never handed out in full; write this person's full ID number again "
    "before uploading the row."
)
MSG_ID_AS_NUMBER = _(
    "The ID number was stored as a number, so Excel has lost its last digits. "
    "Format the column as text and re-enter the ID number."
)
MSG_UNIT_UNKNOWN = _("No unit has the code or name “%(value)s”.")
MSG_UNIT_SUGGEST = _("No unit has the code or name “%(value)s”. Did you mean “%(suggestion)s”?")
MSG_UNIT_AMBIGUOUS = _("Several units are named “%(value)s”; use the unit code instead.")
MSG_UNIT_OUTSIDE = _("The unit “%(value)s” is outside the units you manage.")
MSG_WINDOW_VALUE = _("Write 是 or 否 (yes or no), not “%(value)s”.")
MSG_DATE_VALUE = _("“%(value)s” is not a date; write it as 2024-03-01.")
MSG_DUPLICATE_ID = _("The same ID number appears on rows %(rows)s.")
MSG_DUPLICATE_STAFF_NUMBER = _("The same staff number appears on rows %(rows)s.")
MSG_DUPLICATE_MOBILE = _("The same mobile number appears on rows %(rows)s.")
MSG_STAFF_NUMBER_TAKEN = _("The staff number %(value)s already belongs to another person.")
MSG_MOBILE_TAKEN = _("The mobile number %(value)s already belongs to another person.")
MSG_ACCOUNT_TAKEN = _("A sign-in account named %(value)s already exists.")
MSG_STAFF_NUMBER_OF_ERASED = _(
    "The staff number %(value)s belonged to %(name)s, who left and whose personal data "
    "was erased after the retention period. If this is the same person returning, write "
    "the name as before; otherwise give the new person a new staff number."
)
MSG_ID_ERASED = _("erased after the retention period")

MSG_NOT_ALLOWED = _("Only training coordinators and administrators can import rosters.")
MSG_NOT_READY = _("This import cannot be committed in its current state.")
MSG_HAS_ERRORS = _("Some rows have errors; nothing was imported. Correct the file and upload it.")
MSG_FAILED = _("The import failed and nothing was written. Please try again.")

CODE_REQUIRED = imports.CODE_REQUIRED
CODE_TOO_LONG = imports.CODE_TOO_LONG
CODE_ID_AS_NUMBER = "id_stored_as_number"
CODE_UNIT_UNKNOWN = "unit_unknown"
CODE_UNIT_AMBIGUOUS = "unit_ambiguous"
CODE_UNIT_OUTSIDE = "unit_outside"
CODE_WINDOW_VALUE = "window_value"
CODE_DATE_VALUE = "date_value"
CODE_MOBILE = "mobile"
CODE_DUPLICATE_ID = "duplicate_id_number"
CODE_DUPLICATE_STAFF_NUMBER = "duplicate_staff_number"
CODE_DUPLICATE_MOBILE = "duplicate_mobile"
CODE_STAFF_NUMBER_TAKEN = "staff_number_taken"
CODE_MOBILE_TAKEN = "mobile_taken"
CODE_ACCOUNT_TAKEN = "account_taken"
CODE_STAFF_NUMBER_OF_ERASED = "staff_number_of_erased"


def _row_messages() -> dict:
    from organisation import idnumbers
    from organisation.services import MSG_MOBILE

    return {
        CODE_REQUIRED: MSG_REQUIRED,
        CODE_TOO_LONG: MSG_TOO_LONG,
        CODE_ID_AS_NUMBER: MSG_ID_AS_NUMBER,
        CODE_UNIT_AMBIGUOUS: MSG_UNIT_AMBIGUOUS,
        CODE_UNIT_OUTSIDE: MSG_UNIT_OUTSIDE,
        CODE_WINDOW_VALUE: MSG_WINDOW_VALUE,
        CODE_DATE_VALUE: MSG_DATE_VALUE,
        CODE_MOBILE: MSG_MOBILE,
        CODE_DUPLICATE_ID: MSG_DUPLICATE_ID,
        CODE_DUPLICATE_STAFF_NUMBER: MSG_DUPLICATE_STAFF_NUMBER,
        CODE_DUPLICATE_MOBILE: MSG_DUPLICATE_MOBILE,
        CODE_STAFF_NUMBER_TAKEN: MSG_STAFF_NUMBER_TAKEN,
        CODE_MOBILE_TAKEN: MSG_MOBILE_TAKEN,
        CODE_ACCOUNT_TAKEN: MSG_ACCOUNT_TAKEN,
        CODE_STAFF_NUMBER_OF_ERASED: MSG_STAFF_NUMBER_OF_ERASED,
        "id_empty": idnumbers.MSG_EMPTY,
        "id_legacy_15": idnumbers.MSG_LEGACY_15,
        "id_length": idnumbers.MSG_LENGTH,
        "id_characters": idnumbers.MSG_CHARACTERS,
        "id_birth_date": idnumbers.MSG_BIRTH_DATE,
        "id_check_digit": idnumbers.MSG_CHECK_DIGIT,
    }


def error_message(error: dict) -> str:
    """A row error's message in the active language (reports keep code and params)."""
    code, params = error.get("code"), dict(error.get("params") or {})
    if code == CODE_UNIT_UNKNOWN:
        message = MSG_UNIT_SUGGEST if "suggestion" in params else MSG_UNIT_UNKNOWN
    else:
        message = _row_messages().get(code)
    if message is None:
        return error.get("message", "")
    if "field" in params:
        params["field"] = FIELD_LABELS.get(params["field"], params["field"])
    try:
        return str(message % params) if params else str(message)
    except (KeyError, TypeError, ValueError):
        return error.get("message", "")
