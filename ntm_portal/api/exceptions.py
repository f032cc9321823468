"""Every error the API returns is JSON that names the field and the reason; nothing a caller sends causes a 500.

DRF's own handler covers its exceptions (validation, parse errors, authentication, 404, throttling) and Django's
PermissionDenied, the access layer's AccessDenied included (its message as the detail); this one adds the project's:
the workflow's refusals and Django's model validation.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ntm_portal.errors import Conflict, InvalidFields


def django_error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF shapes field errors: {"field": ["message", ...]}, "__all__" renamed."""
    errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): [str(m) for m in messages]
        for field, messages in errors.items()
    }


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, InvalidFields):
        return Response({key: [message] for key, message in exc.errors.items()}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response(django_error_dict(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        # on_delete=PROTECT: e.g. an agency that still has cadres or visits.
        return Response(
            {"detail": _("Không xóa được: còn dữ liệu khác tham chiếu tới bản ghi này."), "code": "protected"},
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        # DRF's own errors (401, 404, 405, 429...) in the API's shape too: what went wrong and its code.
        code = getattr(response.data["detail"], "code", None) or getattr(exc, "default_code", None)
        if code:
            response.data["code"] = code
    return response
