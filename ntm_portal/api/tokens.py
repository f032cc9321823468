"""/api/v1/auth/token/: a script or a dashboard client obtains its token with a username and password, and revokes
it; /api/v1/auth/tokens/ lists the caller's token without its key. The same one token per user as the token page
(ntm_portal.tokens)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..tokens import token_issue, token_revoke
from .filters import allowed_query_parameters, check_query_parameters
from .throttling import TokenObtainRateThrottle


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


TokenKeySerializer = inline_serializer(
    "TokenKey",
    fields={"token": serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")},
)


class TokenSummarySerializer(serializers.ModelSerializer):
    """A token as the list shows it: never the whole key."""

    key_prefix = serializers.SerializerMethodField(help_text="The key's first 6 characters, to tell tokens apart.")

    class Meta:
        model = Token
        fields = ["key_prefix", "created"]
        read_only_fields = fields

    def get_key_prefix(self, token: Token) -> str:
        return token.key[:6]


class TokenView(APIView):
    """POST: the password for a token (no other credentials needed); DELETE: revoke the caller's token."""

    serializer_class = TokenObtainSerializer

    def get_authenticators(self):
        # Obtaining a token needs only the password: a stale token or a session (whose CSRF check would refuse a
        # script's POST) must not stand in the way.
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [TokenObtainRateThrottle()]
        return super().get_throttles()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request)

    @extend_schema(
        operation_id="obtain_token",
        summary="Obtain an API token with a username and password",
        description="Issues a new token for the user, replacing the old one, which stops working (a user has one "
        "token). Wrong credentials, or an account that is locked, answer 400 without saying which; the attempts per "
        "client address are limited (429).",
        request=TokenObtainSerializer,
        responses={200: TokenKeySerializer},
        auth=[],
    )
    def post(self, request):
        form = TokenObtainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(request._request, **form.validated_data)  # None for an inactive user too
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Tên đăng nhập hoặc mật khẩu không đúng.")]}, code="authorization"
            )
        return Response({"token": token_issue(user=user).key})

    @extend_schema(
        operation_id="revoke_token",
        summary="Revoke my API token",
        description="Deletes the caller's token: requests with it answer 401 from now on. 204 even when there was "
        "none (a session caller without a token).",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """The caller's tokens (at most one), without their keys."""

    serializer_class = TokenSummarySerializer
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request, allowed=allowed_query_parameters(self))

    def get_queryset(self):
        return Token.objects.filter(user=self.request.user).order_by("-created")

    @extend_schema(
        operation_id="list_tokens",
        summary="My API tokens",
        description="The caller's token, if any: its first 6 characters and when it was issued, never the key.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
