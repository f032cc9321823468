from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import api_error
from ..todo import todo_for
from .serializers import MeSerializer, TodoSerializer
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


class TodoView(CheckedInputMixin, APIView):
    """The caller's to-do (ntm_portal.todo): rounds returned to them, drafts they opened, the communes waiting in
    their verification and approval queues, work-plan items and secondments coming due. Scoped to the token's owner;
    a fixed number of queries."""

    @extend_schema(summary="The caller's to-do", responses=TodoSerializer, operation_id="get_my_todo")
    def get(self, request):
        todo = todo_for(user=request.user)
        body = {
            "today": todo.today,
            "total": todo.total,
            "sections": list(todo.sections),
            "returned": todo.returned,
            "drafts": todo.drafts,
            "verification": {"count": todo.verification_count, "rounds": todo.verification},
            "approval": {"count": todo.approval_count, "rounds": todo.approval},
            "work_plan_items": [_with_overdue(item, todo.today) for item in todo.work_plan_items],
            "secondments_ending": todo.secondments_ending,
        }
        return Response(TodoSerializer(body).data)


def _with_overdue(item, today):
    item.overdue = item.due_date < today
    return item


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
