"""core.text: what people type is trimmed of every kind of space and full-width ASCII
is made half-width, however the text is written (the fast paths for text that needs
no translation give what the full translation gives)."""

import unicodedata

import pytest

from core.text import _CLEAN, clean_text, compact


def reference(value) -> str:
    """The definition: NFC, every listed space and full-width character translated,
    then trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return text.translate(_CLEAN).strip()


@pytest.mark.parametrize(
    "written",
    [
        "张三",
        " 张三 ",
        "\u3000张三\u3000",
        "张\u00a0三",
        "\ufeff姓名",
        "x\u200by",
        "ＡＢＣ１２３",
        "Ｂ０００１",
        "a\tb",
        "line\r\nbreak",
        "  plain ascii  ",
        "B0001234",
        "e\u0301",  # decomposed: NFC makes it one character
        "综合窗口受理",
        "第3区第12街道",
        "",
        12.0,
        None,
    ],
)
def test_clean_text_gives_the_full_translation_for_every_kind_of_text(written):
    assert clean_text(written) == reference(written)


def test_compact_removes_inner_spaces_of_every_kind():
    assert compact(" 3601\u3000０１ 19\u00a09001 ") == "360101199001"
