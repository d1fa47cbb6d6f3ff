"""Certificate PDFs with WeasyPrint.

- Fonts: Noto Serif CJK SC / Noto Sans CJK SC (Debian fonts-noto-cjk), subset by
  HarfBuzz (libharfbuzz-subset0). Text is checked for missing glyphs first
  (certificates.glyphs), so a name never prints as an empty box.
- Only local resources are fetched: data: URIs, and file: URLs under the project's
  static directory. Anything else (http, other files) is refused.
- One URL fetcher and one FontConfiguration are reused for every render (creating
  them per document costs ~40 ms); a lock keeps one render at a time per process,
  because neither object is documented as thread-safe.
"""

from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from .glyphs import check_printable
from .models import Certificate

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()
_RENDER_LOCK = threading.Lock()
# WeasyPrint logs every rendering step at INFO; keep the server log for real news.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
_engine: tuple | None = None


def _build_engine():
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """data: anywhere; file: only below the project's static directory."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, timeout=5)

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path)).resolve()
                if not path.is_relative_to(STATIC_DIR):
                    raise ValueError(f"URL outside the static directory refused: {url}")
            elif not url.startswith("data:"):
                raise ValueError(f"URL refused: {url}")
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher(), FontConfiguration()


def _get_engine():
    global _engine
    if _engine is None:
        _engine = _build_engine()
    return _engine


def verification_url(certificate: Certificate) -> str:
    base = settings.CERTIFICATE_PUBLIC_BASE_URL.rstrip("/")
    return base + reverse("certificates:verify_code", args=[certificate.verification_code])


def _photo_data_uri(certificate: Certificate) -> str:
    if not certificate.photo:
        return ""
    with certificate.photo.open("rb") as handle:
        data = handle.read(2 * 1024 * 1024 + 1)
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def check_certificate_printable(certificate: Certificate) -> None:
    check_printable(
        {
            gettext("the name"): certificate.holder_name,
            gettext("the level"): certificate.level.name,
            gettext("the assessment body"): certificate.assessment_body,
            gettext("the certificate number"): certificate.number,
        }
    )


def certificate_html(certificate: Certificate) -> str:
    url = verification_url(certificate)
    return render_to_string(
        "certificates/pdf/certificate.html",
        {
            "c": certificate,
            "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
            "verification_url": url,
            "photo": _photo_data_uri(certificate),
        },
    )


def render_certificate_pdf(certificate: Certificate, *, html: str | None = None) -> bytes:
    """The certificate as a one-page A4 landscape PDF (from `html`, its
    `certificate_html`, when the caller has it already).

    Raises ValidationError (code "missing_glyph") naming a character no font can print.
    """
    from weasyprint import HTML

    check_certificate_printable(certificate)
    html = html if html is not None else certificate_html(certificate)
    fetcher, fonts = _get_engine()
    with _RENDER_LOCK:
        return HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher).write_pdf(
            font_config=fonts
        )


def render_html_pdf(html: str) -> bytes:
    """Any report page (already rendered HTML) with the same restricted engine."""
    from weasyprint import HTML

    fetcher, fonts = _get_engine()
    with _RENDER_LOCK:
        return HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher).write_pdf(
            font_config=fonts
        )
