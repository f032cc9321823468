from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm_portal.api.viewsets import CheckedInputMixin

from ..todo import todo_for
from .serializers import TodoSerializer


class TodoView(CheckedInputMixin, APIView):
    """The caller's to-do (portal.todo): rounds returned to them, drafts they opened, the communes waiting in
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
