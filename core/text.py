"""Normalising text that people type into spreadsheets and forms."""

import re
import unicodedata

# Characters people use as spaces: ideographic space, no-break space, zero width...
_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\t\r\n"


# str.translate tables (one pass in C: imports normalise hundreds of thousands of cells).
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CLEAN = _HALF_WIDTH | {ord(ch): 0x20 for ch in _SPACES}
# A non-ASCII string needs the table only when it holds one of its characters: most
# cells do not, and a regex search is several times cheaper than `translate` with a
# dict table (ASCII strings need it only for tabs and line breaks).
_NEEDS_CLEAN = re.compile(f"[{re.escape(_SPACES)}\uff01-\uff5e]")


def to_half_width(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation to their half-width forms."""
    return text.translate(_HALF_WIDTH)


def clean_text(value: object) -> str:
    """Trim every kind of space at both ends and convert full-width ASCII."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        if "\t" in text or "\n" in text or "\r" in text:
            text = text.translate(_CLEAN)
        return text.strip()
    text = unicodedata.normalize("NFC", text)
    if _NEEDS_CLEAN.search(text):
        text = text.translate(_CLEAN)
    return text.strip()


def compact(value: object) -> str:
    """`clean_text` with all inner spaces removed (for codes, numbers, IDs)."""
    return clean_text(value).replace(" ", "")
