from rest_framework.authentication import TokenAuthentication
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


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
