"""Messages shared by the training services."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("training.services")

MSG_NOT_ENROLLED = _("You are not enrolled in this module's track.")
MSG_NOT_PUBLISHED = _("This module has not been published yet.")
MSG_NO_VIDEO = _("This lesson has no video.")
MSG_BAD_POSITION = _("The playback position is not valid.")
MSG_TOPIC_REQUIRED = _("The topic is required.")
MSG_ATTENDEES_REQUIRED = _("Choose at least one attendee.")
MSG_SCORE_RANGE = _("A score is between 0 and 100.")
MSG_PLAN_CLOSED = _("This guidance plan is already closed.")

# --- In-person classes ---
MSG_CLASS_TITLE_REQUIRED = _("The title is required.")
MSG_CLASS_VENUE_REQUIRED = _("The venue is required.")
MSG_CLASS_TRAINER_REQUIRED = _("Choose a trainer or enter the name of an outside trainer.")
MSG_CLASS_IN_PAST = _("A class cannot start in the past: choose a later start.")
MSG_CLASS_ENDS_BEFORE_START = _("The class must end after it starts.")
MSG_CLASS_CAPACITY = _("The capacity must be at least 1.")
MSG_CLASS_AUDIENCE_EMPTY = _("Choose who is expected: units, posts, named people or a track.")
MSG_CLASS_AUDIENCE_NOBODY = _("Nobody in your units matches the expected audience.")
MSG_CLASS_AUDIENCE_OUTSIDE = _("Only units and people of the organising unit can be invited.")
MSG_CLASS_OVER_CAPACITY = _(
    "%(count)s people are expected but the room holds only %(capacity)s: raise the "
    "capacity or invite fewer people."
)
MSG_CHECKIN_CODE_INVALID = _("This is not a check-in code of this class.")
MSG_CHECKIN_CODE_EXPIRED = _(
    "This check-in code has expired: the code changes every 30 seconds. Scan the code "
    "on the trainer's screen again."
)
MSG_CHECKIN_OUTSIDE = _(
    "Check-in is open from %(opens)s until the class ends at %(ends)s; it is not open now."
)
MSG_CHECKIN_NOT_EXPECTED = _("You are not on the list for this class.")
MSG_CHECKIN_PERSON_NOT_EXPECTED = _("%(name)s is not on the list for this class.")
MSG_ALREADY_CHECKED_IN = _("Already checked in at %(time)s: a second check-in is not needed.")
MSG_NOT_CHECKED_IN = _("You have not checked in to this class.")
MSG_ALREADY_CHECKED_OUT = _("Already checked out at %(time)s.")
MSG_CLASS_CLOSED = _("This class has been closed.")
MSG_CLASS_NOT_STARTED = _("A class can be closed once it has started.")
MSG_EXCUSE_REASON_REQUIRED = _("Give the reason for the absence.")
MSG_EXCUSE_PRESENT = _("%(name)s checked in to this class: there is no absence to excuse.")
MSG_PERSONAL_CODE_INVALID = _("This is not a personal code of this system.")

# --- Evaluations (培训满意度) ---
MSG_RATING_RANGE = _("Each rating is a whole number from 1 to 5.")
MSG_RATING_MISSING = _("Give a rating from 1 to 5 to every question.")
MSG_EVALUATION_ALREADY = _("You have already rated this training; one answer per person.")
MSG_EVALUATION_NOT_ATTENDED = _("Only people who attended the class can rate it.")
MSG_EVALUATION_TOO_EARLY = _("The class can be rated once it is over.")
MSG_COMMENT_TOO_LONG = _("The comment is at most 1000 characters.")
