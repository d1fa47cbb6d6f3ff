"""API tokens for programs that use the REST API (token authentication)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from audit.services import audit_record


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(APIView):
    """Exchange a staff number (username) and password for an API token.

    Throttled per client address; refused while the account still has to change its
    one-time password. The token is recorded (not its value) in the audit log.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=AuthTokenSerializer, responses=TokenSerializer)
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.must_change_password:
            raise serializers.ValidationError(
                _("Change your one-time password on the website before using the API.")
            )
        token, _created = Token.objects.get_or_create(user=user)
        audit_record(action="auth.token_issued", actor=user, target=user, request=request)
        return Response({"token": token.key})
