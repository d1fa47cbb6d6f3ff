"""Every sentence the assessment sitting says to a person (English msgids, Chinese
through the catalogue). Services raise them; forms, the door page and
`core.api.exception_handler` show them; tests compare against them."""

from django.utils.translation import gettext_lazy as _

# --- planning ---
MSG_NOT_ORGANISER = _("Only coordinators of the organising unit can change this sitting.")
MSG_TIMES_ORDER = _("Each part must end after it starts, and the practical after the theory.")
MSG_CONFIRM_BY_LATE = _("Units must confirm their candidates before the sitting starts.")
MSG_TASK_NOT_SCENARIO = _("Practical tasks are active scenario tasks with a rubric.")
MSG_ROOM_NUMBER_TAKEN = _("This sitting already has a room with this number.")
MSG_CAPACITY = _("A room has from 1 to 500 seats.")
MSG_CAPACITY_BELOW_SEATED = _("The room already seats more people than that.")
MSG_THEORY_NOT_FORMAL = _("The theory part is a formal theory exam organised by your units.")
MSG_SITTING_STARTED = _("The sitting has started: this can no longer change.")

# --- candidates ---
MSG_NOT_ELIGIBLE_STAFF = _("Only active window staff can be candidates.")
MSG_ALREADY_CERTIFIED = _("%(name)s already holds a certificate at this level or above.")
MSG_NOT_ELIGIBLE_RULE = _(
    "%(name)s has not passed a monthly exam and is not recommended by their coordinator."
)
MSG_NOT_ELIGIBLE_EXAM = _("%(name)s has not passed a monthly exam.")
MSG_NOT_ELIGIBLE_RECOMMENDED = _("%(name)s is not recommended by their coordinator.")
MSG_ALREADY_CANDIDATE = _("%(name)s is already a candidate of this sitting.")
MSG_NOT_THEIR_COORDINATOR = _("Only a coordinator of the candidate's unit can do this.")
MSG_CONFIRM_DEADLINE = _("The deadline for confirming candidates has passed.")
MSG_NOT_PROPOSED = _("Only a proposed candidate can be confirmed.")
MSG_ALREADY_WITHDRAWN = _("This candidate has already been withdrawn.")
MSG_WITHDRAW_REASON = _("Give the reason for the withdrawal.")

# --- seats and tickets ---
MSG_NO_ROOMS = _("Add rooms before assigning seats.")
MSG_NO_CONFIRMED = _("There are no confirmed candidates to seat.")
MSG_OVER_CAPACITY = _(
    "%(count)s confirmed candidates do not fit in %(seats)s seats: add a room or more seats."
)
MSG_SEAT_OVER_CAPACITY = _("Room %(room)s has seats 1 to %(capacity)s only.")
MSG_SEAT_TAKEN = _("Seat %(seat)s of room %(room)s is already taken.")
MSG_NOT_CONFIRMED = _("Only a confirmed candidate gets a seat and a ticket.")
MSG_NOT_SEATED = _("Seats have not been assigned yet.")

# --- at the door ---
MSG_TICKET_UNKNOWN = _("No ticket with this number in this sitting.")
MSG_WRONG_ROOM = _("Wrong room: this candidate sits in room %(room)s, seat %(seat)s.")
MSG_WRONG_TIME = _("Check-in is open from %(opens)s to %(closes)s.")
MSG_TICKET_USED = _("This ticket has already been used: checked in at %(at)s.")
MSG_TICKET_WITHDRAWN = _("This candidate has been withdrawn from the sitting.")
MSG_NOT_ROOM_STAFF = _("Only the room's examiners and the sitting's coordinators can do this.")

# --- examiners and scores ---
MSG_NOT_SEATED = _("Seats have not been assigned yet.")
MSG_THEORY_ALREADY = _("This sitting already has its theory exam.")
MSG_NOT_AN_EXAMINER = _("This account does not have the examiner role.")
MSG_EXAMINER_OWN_UNIT = _(
    "An examiner may not examine people of their own unit or of a unit above or below it "
    "(%(name)s)."
)
MSG_EXAMINER_TWICE = _("This examiner is already assigned to this room.")
MSG_CHIEF_TAKEN = _("This room already has a chief examiner.")
MSG_NOT_ROOM_EXAMINER = _("You are not an examiner of this candidate's room.")
MSG_SCORE_OUTSIDE_RUBRIC = _("%(item)s: enter a score from 0 to %(max)s.")
MSG_SCORE_MISSING = _("Give a score for every criterion of every task.")
MSG_NOT_CHECKED_IN = _("This candidate has not been checked in.")
MSG_ROOM_SIGNED_OFF = _("The room has been signed off: its scores are locked.")
MSG_ONLY_CHIEF = _("Only the room's chief examiner can do this.")
MSG_NOTE_REQUIRED = _("Write down what the second look found.")
MSG_NOT_FLAGGED = _("This candidate's scores are not flagged.")
MSG_SIGN_OFF_INCOMPLETE = _(
    "Cannot sign off: %(missing)s candidates lack a score from every examiner and "
    "%(flagged)s flagged spreads are not resolved."
)
MSG_TOO_FEW_EXAMINERS = _("A practical room needs at least %(count)s examiners.")
MSG_NO_TASKS = _("The sitting has no practical tasks.")

# --- results ---
MSG_ROOMS_NOT_SIGNED = _("Every room must be signed off first.")
MSG_NO_REVIEW = _("Only levels 2 and 1 have a review panel.")
MSG_PANEL_REQUIRED = _("Name the members of the review panel.")
MSG_RESULTS_NOT_REVIEWED = _("Review the results before issuing certificates.")
MSG_ISSUE_RUNNING = _("Certificates for this sitting are already being issued.")
