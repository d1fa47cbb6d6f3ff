"""No silent tofu: check that the certificate fonts can draw every character.

The certificate is set in Noto Serif CJK SC (Noto Sans CJK SC as fallback). A name
with a character neither font has would print as an empty box without any warning
from WeasyPrint, so issuance and rendering check the text first.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")

MSG_MISSING_GLYPH = _(
    "The character “%(char)s” (U+%(code)s) in %(field)s cannot be printed: the "
    "certificate font has no glyph for it. Contact the administrator before issuing."
)
MSG_NO_FONT = _("The certificate font (Noto CJK) is not installed on the server.")


def _font_location(family: str) -> tuple[str, int] | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    out = subprocess.run(  # noqa: S603 - fixed program, family from our constant
        [fc_match, "-f", "%{file}|%{index}|%{family}", family],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    ).stdout
    path, _, rest = out.partition("|")
    index, _, families = rest.partition("|")
    if not path or family not in families:
        return None  # fontconfig substituted another font: not installed
    return path, int(index or 0)


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Code points the certificate fonts can draw (loaded once per process)."""
    from fontTools.ttLib import TTFont

    codepoints: set[int] = set()
    for family in FONT_FAMILIES:
        location = _font_location(family)
        if location is None:
            continue
        path, index = location
        kwargs = {"fontNumber": index} if path.lower().endswith((".ttc", ".otc")) else {}
        font = TTFont(path, lazy=True, **kwargs)
        codepoints.update(font.getBestCmap() or {})
        font.close()
    return frozenset(codepoints)


def missing_characters(text: str) -> list[str]:
    covered = covered_codepoints()
    missing: list[str] = []
    for char in text:
        if char.isspace() or ord(char) in covered or char in missing:
            continue
        missing.append(char)
    return missing


def check_printable(fields: dict[str, str]) -> None:
    """Raise ValidationError naming the first character no certificate font has.

    `fields` maps a human label (e.g. "the name") to the text printed on the certificate.
    """
    if not covered_codepoints():
        raise ValidationError(MSG_NO_FONT, code="no_font")
    for label, text in fields.items():
        missing = missing_characters(text or "")
        if missing:
            char = missing[0]
            raise ValidationError(
                MSG_MISSING_GLYPH,
                code="missing_glyph",
                params={"char": char, "code": f"{ord(char):04X}", "field": label},
            )
