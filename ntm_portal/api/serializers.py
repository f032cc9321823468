"""Serializer building blocks: foreign keys limited to what the caller sees, and model validation on every write."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .exceptions import django_error_dict


def _user(field) -> object | None:
    request = field.context.get("request")
    return getattr(request, "user", None)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller can only point at rows they see: `Model.objects.visible_to(user)`, or `scope(user)`
    for models scoped in ntm_portal.access. Another unit's row is refused exactly like a missing one ("Invalid pk -
    object does not exist."), with the field's name: a write never silently links to data outside the caller's scope.
    """

    def __init__(self, scope=None, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        user = _user(self)
        if self.scope is not None:
            return self.scope(user)
        return queryset.visible_to(user)


def errors_as_named(serializer: serializers.Serializer, errors: dict) -> dict:
    """Errors keyed by the model's field names (`commune`) keyed instead as the serializer names the field
    (`commune_id`): a client reads the error under the name it sent."""
    names = {field.source: name for name, field in serializer.fields.items() if not field.read_only}
    return {names.get(key, key): messages for key, messages in errors.items()}


class ServiceInputSerializer(serializers.ModelSerializer):
    """Parses and scopes a write that an app's service validates with the model's own `full_clean()`: DRF's
    unique-together validators are left out, as they would answer first, in English and for no field."""

    def get_unique_together_validators(self):
        return []


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's own validation (`full_clean()`: field checks, `clean()`, unique constraints) on the record as
    it would be saved, and reports its errors as field errors. `self.candidate` is that unsaved record, which the
    viewset hands to the access layer before saving."""

    candidate = None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many_to_many = {field.name for field in model._meta.many_to_many}
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(errors_as_named(self, django_error_dict(error))) from error
        self.candidate = candidate
        return attrs


class BriefUnitSerializer(serializers.Serializer):
    """A unit as other records mention it."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    role = serializers.CharField(read_only=True)
    unit = BriefUnitSerializer(read_only=True, allow_null=True)
    agency_id = serializers.IntegerField(read_only=True, allow_null=True)
    authenticated_by = serializers.ChoiceField(choices=["session", "token"], read_only=True)


# --- the user's to-do (issue 15): portal.todo --------------------------------------------------------------------


class TodoRoundSerializer(serializers.Serializer):
    """A round as the to-do lists it."""

    id = serializers.IntegerField(source="pk", read_only=True)
    commune = BriefUnitSerializer(read_only=True)
    year = serializers.IntegerField(read_only=True)
    criteria_set_code = serializers.CharField(source="criteria_set.code", read_only=True)
    status = serializers.CharField(read_only=True)
    criteria_met = serializers.IntegerField(read_only=True)


class TodoQueueRoundSerializer(TodoRoundSerializer):
    criteria_total = serializers.IntegerField(read_only=True)
    waiting_since = serializers.DateTimeField(read_only=True, allow_null=True)


class TodoReturnedCriterionSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="criterion.number", read_only=True)
    name = serializers.CharField(source="criterion.name", read_only=True)
    comment = serializers.CharField(source="review_comment", read_only=True)


class TodoReturnedSerializer(serializers.Serializer):
    round = TodoRoundSerializer(read_only=True)
    returned_at = serializers.DateTimeField(read_only=True, allow_null=True)
    returned_by = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    criteria = TodoReturnedCriterionSerializer(many=True, read_only=True)


class TodoQueueSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True, help_text="Communes waiting (one line per commune).")
    rounds = TodoQueueRoundSerializer(many=True, read_only=True)


class TodoWorkPlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    work_plan_id = serializers.IntegerField(read_only=True)
    commune = BriefUnitSerializer(source="work_plan.assignment.commune", read_only=True)
    agency = serializers.CharField(source="work_plan.assignment.agency.name", read_only=True)


class TodoSecondmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    cadre = serializers.CharField(source="cadre.full_name", read_only=True)
    commune = BriefUnitSerializer(read_only=True)
    planned_end_date = serializers.DateField(read_only=True)


class TodoSerializer(serializers.Serializer):
    today = serializers.DateField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    sections = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The sections the caller's role has."
    )
    returned = TodoReturnedSerializer(many=True, read_only=True)
    drafts = TodoRoundSerializer(many=True, read_only=True)
    verification = TodoQueueSerializer(read_only=True)
    approval = TodoQueueSerializer(read_only=True)
    work_plan_items = TodoWorkPlanItemSerializer(many=True, read_only=True)
    secondments_ending = TodoSecondmentSerializer(many=True, read_only=True)
