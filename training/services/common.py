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
