"""A class as an iCalendar event (RFC 5545), for the learner's phone calendar. Written
by hand: one VEVENT needs no library."""

from __future__ import annotations

import datetime

from django.conf import settings

from .models import TrainingClass


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def class_ics(training_class: TrainingClass, *, url: str = "", now=None) -> str:
    now = now or datetime.datetime.now(datetime.UTC)
    host = settings.CERTIFICATE_PUBLIC_BASE_URL.split("//")[-1].split("/")[0] or "localhost"
    description = f"{training_class.trainer_label}"
    if training_class.knowledge_points:
        description += " · " + "、".join(training_class.knowledge_points)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//window-staff-training//classes//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:class-{training_class.public_id}@{host}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(training_class.starts_at)}",
        f"DTEND:{_utc(training_class.ends_at)}",
        f"SUMMARY:{_escape(training_class.title)}",
        f"LOCATION:{_escape(training_class.venue)}",
        f"DESCRIPTION:{_escape(description)}",
    ]
    if url:
        lines.append(f"URL:{url}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT30M",
        f"DESCRIPTION:{_escape(training_class.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
