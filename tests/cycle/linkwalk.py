"""The link walker: a signed-in person follows every same-site link and presses every
exam start button on their pages, and what went wrong is collected (a server error, a
dead link, program output on a page, an empty practice set, an exam that will not
start). A walk visits at most a few pages of the same shape (ids replaced) so it stays
bounded. Used on the demo city by tests/browser/test_demo_city_e2e.py."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client

COMMANDS = (
    "training_enrolment_sync",
    "training_publish",
    "training_monthly_exams",
    "training_guidance",
    "training_remind",
    "certificate_snapshots",
    "certificate_reminders",
)
SKIP = re.compile(r"^/(accounts/logout|i18n/|static/|media/|admin/|api/|verify/)")
DOWNLOAD = re.compile(r"(\.xlsx|\.pdf|\.csv|format=xlsx|/download|/export)")
PER_SHAPE = 2
PER_ROLE = 80
# Program output that must never reach a page: a Python list or dict, None, True/False.
PROGRAM_OUTPUT = re.compile(
    r"\['[^']*'(, '[^']*')*\]|\bNone\b|\{'[^']*':|(?<![/\w])(True|False)(?![/\w])"
)  # ("True/false", the question type's English name, is not program output)
EMPTY_PRACTICE = ("这里暂时没有可练习的题目", "No questions to practise here.")


class Page(HTMLParser):
    """Links, start forms and visible text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0
        self._form: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = (attrs.get("action") or "", {})
            self.forms.append(self._form)
        elif (
            tag == "input"
            and self._form is not None
            and attrs.get("name")
            and attrs.get("type") in ("hidden", "submit", None)
        ):
            self._form[1][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def shape(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "#", path)


def walk(client: Client, start: str) -> tuple[list[str], int]:
    problems: list[str] = []
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue = deque([(start, "(start)")])
    visited = 0
    started: set[str] = set()
    while queue and visited < PER_ROLE:
        url, found_on = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        key = shape(url)
        if shapes.get(key, 0) >= PER_SHAPE:
            continue
        shapes[key] = shapes.get(key, 0) + 1
        response = client.get(url)
        visited += 1
        if response.status_code >= 500 or response.status_code == 404:
            problems.append(f"{url} (linked from {found_on}): {response.status_code}")
            continue
        if response.status_code in (301, 302, 303):
            target = urljoin(url, response["Location"])
            if urlsplit(target).netloc in ("", "testserver"):
                queue.append((urlsplit(target)._replace(scheme="", netloc="").geturl(), url))
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        text = " ".join(page.text)
        for match in PROGRAM_OUTPUT.finditer(text):
            problems.append(f"{url}: program output {match.group(0)!r}")
        if url.startswith("/exams/practice") and any(e in text for e in EMPTY_PRACTICE):
            problems.append(f"{url} (linked from {found_on}): empty practice set")
        for action, fields in page.forms:
            if "/start/" in action and action not in started:
                started.add(action)
                problems.extend(press_start(client, action, fields, url))
        for href in page.links:
            target = urljoin(url, href.split("#", 1)[0])
            parts = urlsplit(target)
            if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
                continue
            path = parts._replace(scheme="", netloc="").geturl()
            if not path or SKIP.match(path) or (DOWNLOAD.search(path) and shape(path) in shapes):
                continue
            queue.append((path, url))
    return problems, visited


def press_start(client: Client, action: str, fields: dict, found_on: str) -> list[str]:
    response = client.post(action, fields)
    if response.status_code != 302 or "/exams/attempts/" not in response["Location"]:
        return [f"start {action} on {found_on}: {response.status_code} (the exam will not start)"]
    attempt = client.get(response["Location"])
    if attempt.status_code != 200:
        return [f"attempt page after {action}: {attempt.status_code}"]
    return []
