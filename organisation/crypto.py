"""Protection of national ID numbers at rest.

The number is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`)
under a MultiFernet, so keys can be rotated: the first key encrypts, all decrypt.
A separate keyed hash (HMAC-SHA256) allows exact look-up and uniqueness without
decrypting. Locally both keys are derived from SECRET_KEY; production requires
ID_NUMBER_ENCRYPTION_KEYS and ID_NUMBER_HASH_KEY.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _derived(label: str) -> bytes:
    return hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()


@functools.cache
def _fernet() -> MultiFernet:
    keys = list(settings.ID_NUMBER_ENCRYPTION_KEYS) or [
        base64.urlsafe_b64encode(_derived("id-number-encryption")).decode()
    ]
    return MultiFernet([Fernet(key) for key in keys])


@functools.cache
def _hash_key() -> bytes:
    key = settings.ID_NUMBER_HASH_KEY
    return key.encode() if key else _derived("id-number-hash")


def encrypt_id_number(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt_id_number(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def hash_id_number(number: str) -> str:
    return hmac.digest(_hash_key(), number.encode(), "sha256").hex()


def clear_key_cache() -> None:
    _fernet.cache_clear()
    _hash_key.cache_clear()
