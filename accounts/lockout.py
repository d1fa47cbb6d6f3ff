"""Sign-in failure limits: one counter per person, whichever door is used.

The sign-in page, the admin (whose login goes through the page) and the API token
endpoint all call `signin_attempt_start` before a password is checked and
`signin_attempt_succeeded` after a right one. Three limits, kept in the cache
(`settings.SIGNIN_LIMITS`, each "failures/seconds"):

- ``client``: per person and client address. A guesser locks only their own address
  out of that account.
- ``person``: per person, from browsers that never signed in as that person. A slower
  cap on guessing from many addresses. A browser the person signed in with before
  carries a signed "known device" cookie and is held only to the first limit, so
  whoever floods an account from elsewhere cannot keep its owner out. A password
  reset (a one-time link to the person's own mail) or a new one-time password from
  the coordinator lifts this lock for a new device.
- ``address``: per client address, any login (one address spraying many accounts).

The person is the account the login names: the staff number and the mobile number of
one person share their counters. A login that names no account is counted under
itself, so that known and unknown logins answer alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from core.clientip import client_ip

DEVICE_COOKIE = "known_device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
_DEVICE_SALT = "accounts.lockout.device"
_DEVICE_MAX_ACCOUNTS = 5  # a shared office computer remembers a few people


class SigninLocked(Exception):
    """Too many failed sign-ins for this person from here; try again later."""


@dataclass
class SigninAttempt:
    person: str
    counted: list[str] = field(default_factory=list)
    client_key: str = ""


def _limit(name: str) -> tuple[int, int]:
    amount, seconds = settings.SIGNIN_LIMITS[name].split("/")
    return int(amount), int(seconds)


def _count(name: str, ident: str, now: float) -> tuple[str, bool]:
    """Count one attempt under `name`; the key and whether it went over the limit."""
    amount, window = _limit(name)
    key = f"signin:{name}:{ident}:{int(now // window)}"
    if cache.add(key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    return key, count > amount


def _user_id_for_login(login: str) -> int | None:
    """The account a login names: asked of each authentication backend that can
    tell (organisation's knows mobile numbers), else the username."""
    from django.contrib.auth import get_backends, get_user_model

    for backend in get_backends():
        resolve = getattr(backend, "user_id_for_login", None)
        if resolve is not None:
            user_id = resolve(login)
            if user_id is not None:
                return user_id
    return (
        get_user_model()
        .objects.filter(username__iexact=login.strip())
        .values_list("pk", flat=True)
        .first()
    )


def person_key(login: str) -> str:
    user_id = _user_id_for_login(login) if login.strip() else None
    if user_id is not None:
        return f"user{user_id}"
    return "login" + hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def known_device_user_ids(request) -> list[int]:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        ids = signing.loads(value, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_device(request, response, user) -> None:
    """Mark this browser as one `user` signed in with (see the module docstring)."""
    ids = [user.pk] + [i for i in known_device_user_ids(request) if i != user.pk]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(ids[:_DEVICE_MAX_ACCOUNTS], salt=_DEVICE_SALT),
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def signin_attempt_start(request, *, login: str) -> SigninAttempt:
    """Count a sign-in attempt before its password is checked.

    Raises SigninLocked when any limit is exceeded. Every attempt is counted up front
    (so parallel guesses cannot slip past), and a right password gives its count back.
    """
    now = time.time()
    address = client_ip(request) or "unknown"
    attempt = SigninAttempt(person=person_key(login))
    known = attempt.person.startswith("user") and int(attempt.person[4:]) in (
        known_device_user_ids(request)
    )
    locked = False
    counters = [("client", f"{attempt.person}:{address}"), ("address", address)]
    if not known:
        counters.append(("person", attempt.person))
    for name, ident in counters:
        key, over = _count(name, ident, now)
        attempt.counted.append(key)
        if name == "client":
            attempt.client_key = key
        locked = locked or over
    if locked:
        raise SigninLocked
    return attempt


def signin_attempt_succeeded(attempt: SigninAttempt) -> None:
    """A right password: forget this client's failures and give back this attempt."""
    for key in attempt.counted:
        if key == attempt.client_key:
            cache.delete(key)
            continue
        with contextlib.suppress(ValueError):  # expired meanwhile
            cache.decr(key)


def signin_lock_clear(*, user) -> None:
    """Lift the per-person lock (after a password reset or a new one-time password)."""
    _amount, window = _limit("person")
    now = time.time()
    for offset in (0, window):
        cache.delete(f"signin:person:user{user.pk}:{int((now - offset) // window)}")
