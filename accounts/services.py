"""Writes on accounts."""

import secrets

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .models import User

# No 0/O, 1/l/I: codes are read off paper and typed on phones.
_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
INITIAL_CODE_LENGTH = 12  # about 69 bits


def initial_code_generate() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(INITIAL_CODE_LENGTH))


def initial_password_hash(code: str) -> str:
    return make_password(code, hasher="initial_hmac_sha256")


def user_set_initial_password(*, user: User) -> str:
    """Give the account a new one-time password and force a change at next sign-in.

    Returns the code in clear: the caller hands it over once and never stores it.
    """
    code = initial_code_generate()
    user.password = initial_password_hash(code)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return code


def user_password_changed(*, user: User) -> None:
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
