"""Lesson content: HTML sanitising and upload checks."""

from __future__ import annotations

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MSG_NOT_PDF = _("The attachment must be a PDF file.")
MSG_NOT_VIDEO = _("The video must be an MP4 or WebM file.")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "span", "code",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "th": {"scope"}}


def sanitise_html(html: str) -> str:
    """Only a small set of formatting tags survives; scripts, styles, event handlers
    and javascript: URLs are removed. Links get rel=noopener noreferrer."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _head(uploaded, size: int = 16) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(size)
    uploaded.seek(0)
    return head


def validate_pdf(uploaded) -> None:
    """Checked by content, not by name: a PDF starts with %PDF-."""
    if not _head(uploaded).startswith(b"%PDF-"):
        raise ValidationError(MSG_NOT_PDF, code="not_pdf")


def validate_video(uploaded) -> None:
    head = _head(uploaded)
    is_mp4 = head[4:8] == b"ftyp"
    is_webm = head.startswith(b"\x1a\x45\xdf\xa3")
    if not (is_mp4 or is_webm):
        raise ValidationError(MSG_NOT_VIDEO, code="not_video")
