import hashlib

from knox.auth import TokenAuthentication
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class TokenRateThrottle(UserRateThrottle):
    """Limits requests made with a token (dashboard clients, scripts), per user; browser sessions are not limited.

    The rate is read from the settings on every request (DRF's own throttles read it once, at import), so that a
    test or a deployment can change REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"] without a restart of Python.
    """

    scope = "token"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenObtainRateThrottle(SimpleRateThrottle):
    """Limits the attempts to obtain a token with a password, per client address and username, signed in or not: the
    brake on guessing one account's password through the API (the account lockout counts per username too). Never
    per address alone: a provincial office's programs share one address, and one of them guessing wrong must not stop
    the others. The rate is read on every request, like TokenRateThrottle's."""

    scope = "token_obtain"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        username = request.data.get("username", "") if isinstance(request.data, dict) else ""
        account = hashlib.sha256(str(username).encode("utf-8", "replace")).hexdigest()[:16]  # any text, a safe key
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{account}"}

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenFailureThrottle(SimpleRateThrottle):
    """Wrong `Authorization: Token` keys per client address (scope "token_failure"): only failures are counted, and
    past the rate they answer 429 (ntm_portal.api.authentication). The window slides as in DRF's throttles."""

    scope = "token_failure"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def record_failure(self, request) -> float | None:
        """Count one wrong key; the seconds to wait when the address is over its rate, else None."""
        self.num_requests, self.duration = self.parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]
        wait = self.wait() if len(self.history) >= self.num_requests else None  # before this one joins the history
        # The newest N decide whether the next one is over the rate: a flood of wrong keys stores no longer a list.
        self.history = [self.now, *self.history][: self.num_requests]
        self.cache.set(self.key, self.history, self.duration)
        return wait
