"""Checks of an exam answer as sent by a browser, shared by the REST serializer and the
lean save path (`fastpath.py`)."""

from django.utils.translation import gettext_lazy as _

MSG_TOO_LONG = _("The answer is too long.")
MSG_SHAPE = _("An answer is a text or a list of texts.")


class AnswerError(ValueError):
    pass


def _clean_text(value: str, limit: int) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses them in jsonb).
    text = value.encode("utf-8", "ignore").decode("utf-8").replace("\x00", "")
    if len(text) > limit:
        raise AnswerError(str(MSG_TOO_LONG))
    return text


def clean_answer(value):
    """An answer is empty, a text, or a short list of texts (choices or blanks)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _clean_text(value, 10_000)
    if isinstance(value, list) and len(value) <= 20 and all(isinstance(v, str) for v in value):
        return [_clean_text(v, 1_000) for v in value]
    raise AnswerError(str(MSG_SHAPE))
