"""Normalising text that people type into spreadsheets and forms."""

import unicodedata

# Characters people use as spaces: ideographic space, no-break space, zero width...
_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\t\r\n"


def to_half_width(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation to their half-width forms."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def clean_text(value: object) -> str:
    """Trim every kind of space at both ends and convert full-width ASCII."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = to_half_width(text)
    for ch in _SPACES:
        text = text.replace(ch, " ")
    return text.strip()


def compact(value: object) -> str:
    """`clean_text` with all inner spaces removed (for codes, numbers, IDs)."""
    return clean_text(value).replace(" ", "")
