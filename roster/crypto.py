"""Encryption of what the roster app keeps at rest that holds personal data: the
uploaded file (ID numbers in clear) and the one-time initial password list.

Fernet under a MultiFernet like organisation.crypto: `ROSTER_ENCRYPTION_KEYS` (first
key encrypts, all decrypt); locally a key derived from SECRET_KEY.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@functools.cache
def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "ROSTER_ENCRYPTION_KEYS", []) or [])
    if not keys:
        derived = hashlib.sha256(f"roster-files:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)
