"""Sign-in with the government's unified identity system (统一身份认证) over OpenID
Connect, through django-allauth's `openid_connect` provider.

The identity system knows the person; this system decides who they are here. On the
first sign-in the identity is linked to the existing account of the staff member whose
staff number (claim `OIDC_STAFF_NUMBER_CLAIM`) or else mobile number
(`OIDC_MOBILE_CLAIM`) the claims carry; an identity that matches nobody, or a person
without an active account here, is refused: no account is ever created from an
identity. Every link and every refusal is audited. Later sign-ins find the link.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import compact

from .models import Staff

MSG_NO_ACCOUNT = _(
    "The identity system knows you, but no account here matches your staff number or "
    "mobile number. Ask your training coordinator to check the roster, or sign in with "
    "your staff number and password."
)


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or data


def staff_for_claims(claims: dict) -> Staff | None:
    """The active staff member with an active account the claims name, if exactly one."""
    number = compact(str(claims.get(settings.OIDC_STAFF_NUMBER_CLAIM) or "")).upper()
    mobile = compact(str(claims.get(settings.OIDC_MOBILE_CLAIM) or "")).removeprefix("+86")
    people = Staff.objects.select_related("user").filter(
        user__isnull=False, user__is_active=True, status="active"
    )
    if number:
        match = people.filter(staff_number__iexact=number).first()
        if match is not None:
            return match
    if len(mobile) == 11 and mobile.isdigit():
        matches = list(people.filter(mobile=mobile)[:2])
        if len(matches) == 1:
            return matches[0]
    return None


class IdentityAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # accounts are opened by coordinators, never by an identity

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        claims = _claims(sociallogin)
        staff = staff_for_claims(claims)
        provider = sociallogin.account.provider
        if staff is None:
            audit_record(
                action="account.identity_refused",
                target_type="identity",
                target_id=str(sociallogin.account.uid)[:64],
                data={"provider": provider, "reason": "no matching account"},
                request=request,
            )
            raise ImmediateHttpResponse(
                render(
                    request,
                    "account/identity_refused.html",
                    {"message": MSG_NO_ACCOUNT},
                    status=403,
                )
            )
        sociallogin.connect(request, staff.user)
        audit_record(
            action="account.identity_linked",
            actor=staff.user,
            target=staff,
            data={"provider": provider, "uid": str(sociallogin.account.uid)[:64]},
            request=request,
        )
