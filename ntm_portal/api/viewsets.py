"""The base every API viewset builds on: scoped querysets, clean query parameters, access checks on writes."""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers, viewsets
from rest_framework.renderers import JSONRenderer

from ntm_portal import access

from .exceptions import django_error_dict
from .filters import allowed_query_parameters, check_query_parameters
from .permissions import ScopedChangePermission
from .serializers import errors_as_named


class CheckedInputMixin:
    """Checks the query string before anything reads it, and reads a request's input through a serializer.

    `query_serializers`: the serializer an action reads its own query parameters with (`{"retrieve":
    ProgressQuerySerializer}`): those are accepted besides the filters, `ordering` and the paginator's; any other
    parameter is a 400 naming it.
    """

    query_serializers: dict[str, type] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # a method this route does not take: DRF answers 405 next, whatever the query string says
        check_query_parameters(request, allowed=allowed_query_parameters(self))

    def validated_query(self, serializer_class) -> dict:
        """The query parameters as `serializer_class` reads them; a 400 naming each one it refuses."""
        return self._validated(serializer_class, self.request.query_params)

    def validated_body(self, serializer_class) -> dict:
        """The request's body as `serializer_class` reads it; a 400 naming each field it refuses."""
        return self._validated(serializer_class, self.request.data)

    def _validated(self, serializer_class, data) -> dict:
        form = serializer_class(data=data, context={"request": self.request, "view": self})
        form.is_valid(raise_exception=True)
        return form.validated_data


class PortalViewSetMixin(CheckedInputMixin):
    """Checks the query string before anything reads it, and scopes the queryset to the caller.

    A subclass sets `queryset` (the model and the joins its serializer needs: select_related / prefetch_related).
    The rows are `queryset` restricted to what its model's `visible_to(user)` returns (`access.visible`: none for a
    model without one).
    """

    filterset_class = None
    ordering_fields: list[str] = []

    def get_queryset(self):
        return access.visible(self.request.user, super().get_queryset())


class ReadOnlyViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(PortalViewSetMixin, viewsets.ModelViewSet):
    """Create, read, update, delete for records without write services (unit targets), under the rules of
    ntm_portal.access.can_change. The serializer is a CleanModelSerializer: its `candidate` is the record as it would
    be saved, validated by the model and checked here before the save."""

    permission_classes = [ScopedChangePermission]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        access.require_change(self.request.user, serializer.candidate)
        serializer.save()

    def perform_update(self, serializer):
        # The record as it is was checked in get_object (has_object_permission); this checks it as it would be.
        access.require_change(self.request.user, serializer.candidate)
        serializer.save()


@contextmanager
def _model_errors_named(serializer):
    """A service's model validation error, under the names the serializer gave the fields."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(errors_as_named(serializer, django_error_dict(error))) from error


def entity_name(model) -> str:
    """The name an app's services give a model: `SecondmentBatch` → "secondment_batch" (`secondment_batch_create`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


class ServiceModelViewSet(PortalViewSetMixin, viewsets.ModelViewSet):
    """Create, read, update, delete through an app's write services (`<entity>_create(*, user, **fields)`,
    `<entity>_update(*, user, instance, **fields)`, `<entity>_delete(*, user, instance)`), which check the access rules
    on the record as it is and as it would be, and validate it; the serializer only parses and scopes the input.

    `update_fields`: what the update service may change; a field outside it (the work plan an item belongs to, say)
    may be sent unchanged (a PUT sends everything) but not changed.
    """

    permission_classes = [ScopedChangePermission]
    # The app's services module: the services are found in it after the model's name (`agency_create` for Agency).
    service_module = None
    update_fields: tuple[str, ...] = ()

    def service(self, action: str):
        return getattr(self.service_module, f"{entity_name(self.queryset.model)}_{action}")

    def perform_create(self, serializer):
        with _model_errors_named(serializer):
            serializer.instance = self.service("create")(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        instance = serializer.instance
        fields = dict(serializer.validated_data)
        fixed = {}
        for name in list(fields):
            if name not in self.update_fields:
                value = fields.pop(name)
                if value != getattr(instance, name):
                    fixed[name] = [_("Không đổi được trường này; hãy xóa rồi tạo lại.")]
        if fixed:
            raise serializers.ValidationError(errors_as_named(serializer, fixed))
        with _model_errors_named(serializer):
            serializer.instance = self.service("update")(user=self.request.user, instance=instance, **fields)

    def perform_destroy(self, instance):
        self.service("delete")(user=self.request.user, instance=instance)


class FileActionsMixin:
    """Actions that answer a file (a PDF, a workbook) or, when refused, the API's JSON error, whatever the client's
    Accept header says: DRF would otherwise refuse an `Accept: application/pdf` before the action runs."""

    file_actions: tuple[str, ...] = ()

    def perform_content_negotiation(self, request, force=False):
        if getattr(self, "action", None) in self.file_actions:
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)
