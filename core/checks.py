"""Deploy checks (`manage.py check --deploy`) for the keys and addresses that a
production server needs and that would otherwise fail only later, at first use."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

MIN_KEY_LENGTH = 32


@register(deploy=True)
def check_id_number_keys(app_configs=None, **kwargs):
    from cryptography.fernet import Fernet

    errors = []
    keys = list(settings.ID_NUMBER_ENCRYPTION_KEYS)
    if not keys:
        errors.append(
            Error(
                "ID_NUMBER_ENCRYPTION_KEYS is not set.",
                hint="Generate one with: python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'",
                id="core.E001",
            )
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"ID_NUMBER_ENCRYPTION_KEYS: key {position} is not a Fernet key.",
                    hint="Each key is 32 url-safe base64-encoded bytes (Fernet.generate_key()).",
                    id="core.E001",
                )
            )
    for name, code in (("ID_NUMBER_HASH_KEY", "core.E002"), ("AUDIT_HMAC_KEY", "core.E003")):
        if len(getattr(settings, name, "") or "") < MIN_KEY_LENGTH:
            errors.append(
                Error(
                    f"{name} must be a random secret of at least {MIN_KEY_LENGTH} characters.",
                    hint="Generate one with: python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'",
                    id=code,
                )
            )
    return errors


@register(deploy=True)
def check_public_base_url(app_configs=None, **kwargs):
    url = settings.CERTIFICATE_PUBLIC_BASE_URL or ""
    parts = urlsplit(url)
    local = parts.hostname in (None, "", "localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" or local:
        return [
            Error(
                f"PUBLIC_BASE_URL must be the public https address of the site (is {url!r}).",
                hint="Certificates print a QR code to this address for public verification.",
                id="core.E004",
            )
        ]
    return []


@register(deploy=True)
def check_trusted_proxies(app_configs=None, **kwargs):
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.TRUSTED_PROXY_COUNT < 1:
        return [
            Warning(
                "The site expects a TLS reverse proxy (SECURE_PROXY_SSL_HEADER) but "
                "TRUSTED_PROXY_COUNT is 0: every client would share the proxy's address "
                "in sign-in limits, throttles and the audit log.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the "
                "application (docs/security.md).",
                id="core.W005",
            )
        ]
    return []
