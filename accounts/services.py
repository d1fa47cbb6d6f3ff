"""Writes on accounts."""

import secrets

from django.contrib.auth.hashers import get_hasher, make_password
from django.utils import timezone

from .lockout import signin_lock_clear
from .models import User

# No 0/O, 1/l/I: codes are read off paper and typed on phones.
_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
INITIAL_CODE_LENGTH = 12  # about 69 bits


# Rejection sampling over random bytes: as uniform as secrets.choice and about ten
# times faster (a roster import generates tens of thousands of codes).
_BYTE_LIMIT = 256 - 256 % len(_CODE_ALPHABET)


# Random bytes to code characters in one C call: bytes below the limit map onto the
# alphabet (each character equally often), the others are deleted (rejected).
_BYTE_TO_CHAR = bytes(ord(_CODE_ALPHABET[b % len(_CODE_ALPHABET)]) for b in range(256))
_REJECTED = bytes(range(_BYTE_LIMIT, 256))


def initial_codes_generate(count: int) -> list[str]:
    """`count` one-time codes (as `initial_code_generate`), from a few urandom calls."""
    chars = ""
    needed = count * INITIAL_CODE_LENGTH
    while len(chars) < needed:
        # 36 of 256 byte values are rejected (14%); ask for a fifth more than needed.
        data = secrets.token_bytes((needed - len(chars)) * 6 // 5 + 16)
        chars += data.translate(_BYTE_TO_CHAR, _REJECTED).decode("ascii")
    n = INITIAL_CODE_LENGTH
    return [chars[i : i + n] for i in range(0, needed, n)]


def initial_code_generate() -> str:
    return initial_codes_generate(1)[0]


def initial_password_hash(code: str) -> str:
    # One urandom call for the salt instead of Django's 22 secrets.choice calls.
    return make_password(code, salt=secrets.token_hex(11), hasher="initial_hmac_sha256")


def initial_password_hashes(codes: list[str]) -> list[str]:
    """`initial_password_hash` of each code, the salts from one urandom call."""
    salts = secrets.token_hex(11 * len(codes))
    return get_hasher("initial_hmac_sha256").encode_many(
        codes, [salts[i : i + 22] for i in range(0, len(salts), 22)]
    )


def user_set_initial_password(*, user: User) -> str:
    """Give the account a new one-time password and force a change at next sign-in.

    Returns the code in clear: the caller hands it over once and never stores it.
    """
    code = initial_code_generate()
    user.password = initial_password_hash(code)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    # A new one-time password handed over in person lifts a sign-in lock.
    signin_lock_clear(user=user)
    return code


def user_password_changed(*, user: User) -> None:
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


def large_text_set(*, user: User, on: bool) -> None:
    """Remember the elder-friendly (large text) mode on the account."""
    if user.large_text != on:
        user.large_text = on
        user.save(update_fields=["large_text"])
