"""Exceptions services raise that the API answers in a particular way (through
`core.api.exception_handler`); pages catch them like any PermissionDenied."""

from django.core.exceptions import PermissionDenied


class Conflict(PermissionDenied):
    """Refused because of the state of things, not of the person (the exam is not open,
    the time is over): the API answers 409 with `detail` and the extra `data`."""

    def __init__(self, message, *, data: dict | None = None):
        super().__init__(message)
        self.message = message
        self.data = data or {}
