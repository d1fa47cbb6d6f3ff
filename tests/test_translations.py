"""Every word a user reads is Chinese by default: the zh_Hans catalogue is complete."""

import re
from pathlib import Path

from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """Yield (flags, msgid, msgstr) for each entry of a .po file (header skipped)."""
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        body = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(
            re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', body.split("msgstr")[0], re.M)
        )
        msgstrs = re.findall(r'msgstr(?:\[\d\])?\s+((?:".*"\s*)+)', body)
        if not msgid:
            continue
        yield flags, msgid, ["".join(re.findall(r'"(.*)"', s)) for s in msgstrs]


def test_chinese_catalogue_has_no_untranslated_or_fuzzy_entries():
    text = PO_FILE.read_text(encoding="utf-8")
    missing = [
        msgid
        for flags, msgid, strs in _entries(text)
        if "fuzzy" in flags or not strs or not all(strs)
    ]
    assert missing == []


def test_pages_are_chinese_by_default_and_english_on_request(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.text
    response = client.get("/accounts/login/", headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/")
    assert "Sign In" in response.text or "Sign in" in response.text
