"""API sign-in and sign-out: `POST /api/v1/auth/token/` (username, password → token, expiry) and
`POST /api/v1/auth/logout/` (revokes the token it is sent with). Tokens are django-rest-knox's:
hashed in the database, expiring, revocable (core.services)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core import services
from core.api.base import AuditedAPIView
from core.api.throttles import SignInThrottle
from core.lockout import LOCKED_OUT


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


def _locked_out(request) -> bool:
    # django-axes marks the request it refused; the DRF request or the Django one beneath it.
    return bool(getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False))


class TokenView(AuditedAPIView):
    """Exchange a username and password for an API token (shown once; it expires)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (SignInThrottle,)

    @extend_schema(request=SignInSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if _locked_out(request):
            raise Throttled(detail=LOCKED_OUT)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}, code="authorization"
            )
        token, secret = services.token_create(user=user, by=user)
        return Response(TokenSerializer({"token": secret, "expiry": token.expiry}).data)


class LogoutView(AuditedAPIView):
    """Revoke the token this request is sent with."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("SignedOut", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        if not isinstance(request.auth, AuthToken):  # signed in to the pages: sign out there
            return Response(
                {"detail": "Send the token to revoke (Authorization: Token …); pages sign out at /accounts/logout/."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.token_revoke(token=request.auth, by=request.user)
        return Response({"detail": "Signed out: the token is revoked."})
