"""A request that fails because the database is away answers 503 with a clear message, not the error page of a bug:
JSON for the API (its callers parse every answer), a plain page for the browser. The page is static: rendering the
portal's templates would ask the database again (the signed-in user, the to-do counts)."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turns the database driver's connection errors raised by a view (or a DRF view: it re-raises what it does not
    handle) into a 503. Anything else goes on to the usual handling."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The driver's text (host, port, server messages) goes to the log only.
        logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "detail": _("Cơ sở dữ liệu tạm thời không trả lời. Xin thử lại sau ít phút."),
                    "code": "service_unavailable",
                },
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
