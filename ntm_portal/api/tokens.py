"""/api/v1/auth/token/: a script or a dashboard client obtains a named, expiring token with a username and password,
and revokes the token it sends; /api/v1/auth/tokens/ lists the caller's tokens without their keys, and
/api/v1/auth/tokens/<id>/ revokes one. The same tokens as the token page (ntm_portal.tokens).

Wrong passwords count towards the sign-in lockout (django-axes, as on the login page): a locked account answers 429
with the lockout message (ntm_portal.lockout), whatever the password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken
from ..tokens import token_issue, token_list, token_revoke
from .filters import allowed_query_parameters, check_query_parameters
from .serializers import ReadOnlyModelSerializer
from .throttling import TokenObtainRateThrottle

# The one answer to a wrong username or password: it never says which part was wrong.
WRONG_CREDENTIALS = gettext_lazy("Tên đăng nhập hoặc mật khẩu không đúng.")


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, default="API", help_text="What the token is for, to tell your tokens apart."
    )
    days = serializers.IntegerField(
        min_value=1,
        max_value=settings.NTM_API_TOKEN_DAYS,
        required=False,
        allow_null=True,
        default=None,
        help_text=f"Days until it expires; at most (and by default) {settings.NTM_API_TOKEN_DAYS}.",
    )


class TokenIssuedSerializer(ReadOnlyModelSerializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`. Shown once.")

    class Meta:
        model = ApiToken
        fields = ["id", "token", "name", "expiry"]


class TokenSummarySerializer(ReadOnlyModelSerializer):
    """A token as the list shows it: never the key, only its first characters."""

    prefix = serializers.CharField(source="token_key", read_only=True, help_text="The key's first characters.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expiry"]


class TokenView(APIView):
    """POST: the password for a new token (no other credentials needed); DELETE: revoke the token of this request."""

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
        description="Issues a new named token that expires after `days` (the user's other tokens keep working). "
        "Wrong credentials answer 400 without saying which part was wrong; after repeated wrong passwords the account "
        "is locked for a while and answers 429 whatever the password, as does the login page; the attempts per "
        "client address and username are limited too (429).",
        request=TokenObtainSerializer,
        responses={200: TokenIssuedSerializer},
        auth=[],
    )
    def post(self, request):
        form = TokenObtainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        # None for an inactive user too; a locked account is refused here and answered by axes' middleware.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise serializers.ValidationError({"non_field_errors": [WRONG_CREDENTIALS]}, code="authorization")
        api_token, key = token_issue(user=user, name=data["name"], days=data["days"])
        return Response({**TokenIssuedSerializer(api_token).data, "token": key})

    @extend_schema(
        operation_id="revoke_token",
        summary="Revoke the API token of this request",
        description="Revokes the token this request was sent with: requests with it answer 401 from now on. 204 even "
        "when there was none (a session caller).",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """The caller's tokens that still work, without their keys."""

    serializer_class = TokenSummarySerializer
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request, allowed=allowed_query_parameters(self))

    def get_queryset(self):
        return token_list(user=self.request.user)

    @extend_schema(
        operation_id="list_tokens",
        summary="My API tokens",
        description="The caller's tokens that have not expired: id, name, the key's first characters, when each was "
        "issued and when it expires; never the key.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TokenDetailView(APIView):
    """DELETE: revoke one of the caller's tokens by id."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request)

    @extend_schema(
        operation_id="delete_token",
        summary="Revoke one of my API tokens",
        description="Requests with that token answer 401 from now on. 404 for an id that is not one of the caller's.",
        request=None,
        responses={204: None},
    )
    def delete(self, request, pk: int):
        if not token_revoke(user=request.user, token_id=pk):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
