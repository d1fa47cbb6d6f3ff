"""API tokens for programs that use the REST API (token authentication)."""

from allauth.account.adapter import get_adapter
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_record
from core.throttling import ScopedRateThrottle


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Staff number or mobile"), max_length=150)
    password = serializers.CharField(
        label=_("Password"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(APIView):
    """Exchange a staff number (or mobile) and password for an API token.

    The password is checked by the same code as the sign-in page, so failures here
    count towards the same per-person limit (accounts/lockout.py); the endpoint is
    throttled per client address as well. Refused while the account still has to
    change its one-time password. The token is recorded (not its value) in the log.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=CredentialsSerializer, responses=TokenSerializer)
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adapter = get_adapter(request._request)
        try:
            user = adapter.authenticate(
                request._request,
                username=serializer.validated_data["username"],
                password=serializer.validated_data["password"],
            )
        except forms.ValidationError as error:
            raise exceptions.Throttled(detail=error.messages[0]) from None
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        if user.must_change_password:
            raise serializers.ValidationError(
                _("Change your one-time password on the website before using the API.")
            )
        token, _created = Token.objects.get_or_create(user=user)
        audit_record(action="auth.token_issued", actor=user, target=user, request=request)
        return Response({"token": token.key})
