"""`Authorization: Token <key>`: knox's hashed, expiring tokens (ntm_portal.models.ApiToken), with wrong keys
throttled per client address."""

from __future__ import annotations

from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from ..models import ApiToken
from .throttling import TokenFailureThrottle

INVALID = _("Khóa truy cập API không đúng, đã hết hạn hoặc đã bị thu hồi.")


class PortalTokenAuthentication(TokenAuthentication):
    """Knox's TokenAuthentication in one query (the token with its user: a request costs what it did with DRF's
    tokens), refusing an expired token without deleting the user's others on every request, and counting wrong keys
    per address (TokenFailureThrottle): past its rate a wrong key answers 429 instead of 401 until the window passes.

    Only wrong keys are counted and refused: a right key from the same address still works, so one broken script
    does not cut off a provincial office whose programs share an address; guessing gains nothing from that, a key
    being 256 random bits."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = TokenFailureThrottle()
            wait = throttle.record_failure(request)
            if wait is not None:
                raise exceptions.Throttled(
                    wait, detail=gettext("Quá nhiều lần gửi khóa truy cập API sai từ địa chỉ này.")
                ) from None
            raise

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (UnicodeDecodeError, ValueError, TypeError):
            raise exceptions.AuthenticationFailed(INVALID) from None
        candidates = ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for api_token in candidates:
            if compare_digest(digest, api_token.digest):
                if api_token.expiry is not None and api_token.expiry < timezone.now():
                    raise exceptions.AuthenticationFailed(_("Khóa truy cập API đã hết hạn."))
                return self.validate_user(api_token)
        raise exceptions.AuthenticationFailed(INVALID)


class PortalTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for these tokens, under the name DRF's tokens had (generated clients keep it)."""

    target_class = PortalTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
