"""The site's error pages: HTML for the browser, the API's JSON (`{"detail": …, "code": …}`) for any path under /api/.

DRF answers its own views' errors in JSON; these cover what never reaches a DRF view: a path no URL matches (one with
a newline, say), a request Django refuses before routing (a bad Host), and an exception no view caught (500). The
500 reads no database row and renders no template that could: it must answer while the database is away.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(
    exception_class: type[exceptions.APIException], code: str | None = None, detail: str = ""
) -> JsonResponse:
    """The body DRF gives `exception_class`, in the request's language."""
    return JsonResponse(
        {"detail": detail or str(exception_class.default_detail), "code": code or exception_class.default_code},
        status=exception_class.status_code,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return api_error(exceptions.ParseError)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A refusal's own words (ntm_portal.access.AccessDenied says why), else the generic ones."""
    if _is_api(request):
        return api_error(exceptions.PermissionDenied, detail=str(exception))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return api_error(exceptions.NotFound)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        # Never the exception's text: it is in the log (django.request), not for the caller.
        return api_error(exceptions.APIException, code="server_error")
    return defaults.server_error(request)


class Conflict(Exception):
    """A refusal because of the data's state (a stale version, a transition the state forbids, a change that needs
    confirming): the API answers 409 with the message and `code`. The domain's errors subclass it, so the core's
    exception handler knows them without importing the domain."""

    code = "conflict"


class InvalidFields(Exception):
    """Values refused field by field: the API answers 400 with `{field: [message]}`."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
