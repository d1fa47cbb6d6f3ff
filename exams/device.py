"""Which device a request comes from, for the "one device at a time" option.

A device is a browser (or an API client): a random identifier the server hands out in
a long-lived cookie when an exam is started or taken over, or that an API client sends
in the `X-Exam-Device` header. It identifies, it does not authenticate (the session
does): two tabs of one browser are one device, a second browser or phone is another.
Also the summaries the coordinator reads: the browser from the User-Agent, the address
masked.
"""

from __future__ import annotations

import ipaddress
import re
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

DEVICE_COOKIE = "exam_device"
DEVICE_HEADER = "HTTP_X_EXAM_DEVICE"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def device_of(request) -> str:
    """The device identifier the request carries ("" when none or malformed)."""
    value = request.META.get(DEVICE_HEADER) or request.COOKIES.get(DEVICE_COOKIE) or ""
    return value if _VALID.match(value) else ""


def device_new() -> str:
    return secrets.token_urlsafe(24)


def device_for(request) -> tuple[str, bool]:
    """(identifier, whether it is new and must be remembered by `device_remember`)."""
    current = device_of(request)
    return (current, False) if current else (device_new(), True)


def device_remember(response, device: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def mask_ip(address: str | None) -> str:
    """203.0.113.45 -> 203.0.113.*; an IPv6 address keeps its first three groups."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".*"
    return ":".join(ip.exploded.split(":")[:3]) + ":*"


_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_summary(user_agent: str) -> str:
    """A short, readable name of the browser and system: "iPhone · 微信"."""
    ua = user_agent or ""
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    apps = (
        ("wxwork", _("WeCom")),
        ("MicroMessenger", _("WeChat")),
        ("DingTalk", _("DingTalk")),
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    )
    browser = next((name for token, name in apps if token in ua), "")
    parts = [p for p in (system, browser) if p]
    return " · ".join(parts) if parts else _("Unknown device")
