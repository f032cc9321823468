from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import api_error
from .serializers import MeSerializer
from .viewsets import CheckedInputMixin


class MeView(CheckedInputMixin, APIView):
    """Who the caller is: the role and the unit or agency whose data the API shows them (a token's scope is its
    owner's)."""

    @extend_schema(summary="The caller and their scope", responses=MeSerializer, operation_id="get_me")
    def get(self, request):
        user = request.user
        by_token = isinstance(request.successful_authenticator, TokenAuthentication)
        body = {
            "id": user.pk,
            "username": user.username,
            "get_full_name": user.get_full_name(),
            "role": user.role,
            "unit": user.unit,
            "agency_id": user.agency_id,
            "authenticated_by": "token" if by_token else "session",
        }
        return Response(MeSerializer(body).data)


class PingView(APIView):
    """The cheapest authenticated request the API answers: no query parameter read, no database query beyond the
    caller's authentication. benchmark_national measures it as the floor of every endpoint (DRF's own cost)."""

    @extend_schema(
        operation_id="ping",
        summary="Ping: the API is up and the caller is signed in",
        responses=inline_serializer("Ping", fields={"ok": serializers.BooleanField()}),
    )
    def get(self, request):
        return Response({"ok": True})


@csrf_exempt  # any method may land here; CSRF would answer an unsafe one with its HTML 403 first
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a JSON 404 like the API's own, not the site's HTML page."""
    return api_error(NotFound)
