"""The sitting's papers: admission tickets (准考证) as PDF (one, all in one file, or a
ZIP), the sign-in sheet of a room (xlsx and PDF), and the results with the score
sheets (xlsx). Printed papers carry the fixed Chinese wording of the national forms,
like the certificate; workbooks go through core.exports.safe_cell."""

from __future__ import annotations

import io
import zipfile

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import safe_cell

from .glyphs import check_printable
from .models import Candidate, CandidateStatus, PracticalScore, Room, Sitting
from .pdf import render_html_pdf
from .services.sitting_day import examiner_totals, sitting_criteria

TICKET_RULES = [
    "考生须凭本准考证和有效身份证件，于理论考试开始前 60 分钟起入场签到。",
    "理论考试开始 30 分钟后不得入场；请按准考证上的考场号、考位号就座。",
    "除规定用品外，不得携带手机等通讯工具进入考场。",
    "实操考核由考评员按评分细则独立评分，考生须服从考务人员安排。",
]


def ticket_qr(candidate: Candidate) -> str:
    """The QR code carries the ticket number only (the door looks it up)."""
    # A full QR code (segno would pick a Micro QR for a short number; phones read those badly).
    return segno.make_qr(candidate.ticket_number, error="m").svg_data_uri(scale=4, border=4)


def seated_candidates(sitting: Sitting, *, room: Room | None = None):
    queryset = Candidate.objects.filter(
        sitting=sitting, status=CandidateStatus.CONFIRMED, seat__isnull=False
    ).select_related("staff__department", "room")
    if room is not None:
        queryset = queryset.filter(room=room)
    return queryset.order_by("room__number", "seat")


def _check_names(people) -> None:
    for person in people:
        check_printable({_("the name"): person.staff.name})


def tickets_pdf(sitting: Sitting, people) -> bytes:
    """Admission tickets, one page each, in one PDF."""
    people = list(people)
    _check_names(people)
    html = render_to_string(
        "certificates/pdf/tickets.html",
        {
            "sitting": sitting,
            "tickets": [(p, ticket_qr(p)) for p in people],
            "rules": TICKET_RULES,
        },
    )
    return render_html_pdf(html)


def tickets_zip(sitting: Sitting, people) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for person in people:
            archive.writestr(
                f"{person.ticket_number}-{person.staff.name}.pdf", tickets_pdf(sitting, [person])
            )
    return buffer.getvalue()


def sign_in_pdf(room: Room) -> bytes:
    people = list(seated_candidates(room.sitting, room=room))
    _check_names(people)
    html = render_to_string(
        "certificates/pdf/sign_in.html",
        {"sitting": room.sitting, "room": room, "people": people, "printed": timezone.now()},
    )
    return render_html_pdf(html)


def _workbook(title: str, headers: list[str], rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([safe_cell(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sign_in_xlsx(room: Room) -> bytes:
    headers = [
        _("Seat"),
        _("Ticket number"),
        _("Name"),
        _("ID number"),
        _("Unit"),
        _("Signature"),
    ]
    rows = (
        [
            p.seat,
            p.ticket_number,
            p.staff.name,
            p.staff.id_number_masked,
            p.staff.department.name,
            "",
        ]
        for p in seated_candidates(room.sitting, room=room)
    )
    return _workbook(_("Room %(n)s") % {"n": f"{room.number:02d}"}, headers, rows)


def results_xlsx(sitting: Sitting, people) -> bytes:
    """The results (one row per candidate) and the score sheets (one row per examiner
    and candidate, every criterion) in one workbook."""
    from openpyxl import load_workbook

    people = list(people)
    criteria = sitting_criteria(sitting)
    summary = _workbook(
        _("Results"),
        [
            _("Ticket number"),
            _("Name"),
            _("Unit"),
            _("Room"),
            _("Seat"),
            _("Attendance"),
            _("Theory"),
            _("Practical"),
            _("Spread"),
            _("Status"),
        ],
        (
            [
                p.ticket_number,
                p.staff.name,
                p.staff.department.name,
                p.room.number if p.room else "",
                p.seat,
                p.get_attendance_display(),
                p.assessment.theory_score if p.assessment else None,
                p.practical_score,
                p.spread,
                p.assessment.get_status_display() if p.assessment else "",
            ]
            for p in people
        ),
    )
    wb = load_workbook(io.BytesIO(summary))
    ws = wb.create_sheet(_("Score sheets")[:31])
    ws.append(
        [safe_cell(h) for h in (_("Ticket number"), _("Name"), _("Examiner"))]
        + [safe_cell(c.item) for c in criteria]
        + [safe_cell(_("Total"))]
    )
    index = {(c.task_id, c.index): i for i, c in enumerate(criteria)}
    scores = PracticalScore.objects.filter(candidate__in=people).select_related("examiner")
    sheets: dict[tuple[int, int], list] = {}
    names = {}
    for score in scores:
        key = (score.candidate_id, score.examiner_id)
        names[score.examiner_id] = score.examiner.get_full_name() or score.examiner.get_username()
        row = sheets.setdefault(key, [None] * len(criteria))
        position = index.get((score.task_id, score.criterion))
        if position is not None:
            row[position] = score.points
    for person in people:
        totals = examiner_totals(person, criteria)
        for (candidate_id, examiner_id), row in sorted(sheets.items()):
            if candidate_id != person.pk:
                continue
            ws.append(
                [
                    safe_cell(person.ticket_number),
                    safe_cell(person.staff.name),
                    safe_cell(names[examiner_id]),
                    *row,
                    totals.get(examiner_id),
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
