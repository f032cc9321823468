"""Serializer building blocks: foreign keys limited to what the caller sees, and model validation on every write."""

from __future__ import annotations

import copy
import dataclasses
from typing import ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_dataclasses.serializers import DataclassSerializer

from .exceptions import django_error_dict


def _user(field) -> object | None:
    request = field.context.get("request")
    return getattr(request, "user", None)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller can only point at rows they see: `Model.objects.visible_to(user)`, or `scope(user)`
    for a model without one (criteria, by their set). Another unit's row is refused exactly like a missing one
    ("Invalid pk - object does not exist."), with the field's name: a write never silently links to data outside the
    caller's scope.
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


# The base serializers below explain themselves in comments: drf-spectacular would show a docstring as the schema
# description of every subclass without one of its own.


# A record as the API shows it and never writes it: every field in `Meta.fields` is read-only.
class ReadOnlyModelSerializer(serializers.ModelSerializer):
    def get_extra_kwargs(self):
        extra_kwargs = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra_kwargs.setdefault(name, {})["read_only"] = True
        return extra_kwargs


# A selector's reading (a dataclass of figures) as the API serves it, its fields taken from the dataclass
# (djangorestframework-dataclasses), in the dataclass's order: a field added to the dataclass is served at once, so
# the API, its schema and the selector cannot drift apart.
#
# - `Meta.extra_kwargs` sets a field's options (`help_text`, `decimal_places`) and renames one: `{"code": {"source":
#   "unit_code"}}` serves `unit_code` as `code`, in `unit_code`'s place. A declared field stands in the place of the
#   dataclass field it reads (by name or `source`).
# - A declared field that reads no dataclass field (a property, a figure the view adds) goes after the field that
#   `Meta.after` names for it (None: first).
# - `Meta.exclude`: dataclass fields the API does not show.
# - A dataclass nested in another is served by the ReadingSerializer declared for it (`many=True` for a list).
class ReadingSerializer(DataclassSerializer):
    # The serializer of each dataclass, for the dataclasses nested in others.
    by_dataclass: ClassVar[dict[type, type[ReadingSerializer]]] = {}
    _fields_built: ClassVar[dict[type, dict]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The first serializer of a dataclass is the one nested readings use; a variant (a province's line served as a
        # district's) is declared where it is used.
        cls.by_dataclass.setdefault(cls.Meta.dataclass, cls)

    def get_fields(self):
        # Built once per class and copied, as DRF copies declared fields: resolving a dataclass's type hints costs more
        # than serving it, and a list of communes serves one reading per row.
        cls = type(self)
        if cls not in self._fields_built:
            self._fields_built[cls] = super().get_fields()
        return copy.deepcopy(self._fields_built[cls])

    def get_field_names(self):
        meta = self.Meta
        dataclass_fields = [field.name for field in dataclasses.fields(meta.dataclass)]
        # What each renamed or declared field reads: a dataclass field, or none.
        sources = {
            name: kwargs["source"] for name, kwargs in getattr(meta, "extra_kwargs", {}).items() if "source" in kwargs
        }
        sources.update({name: (field.source or name).split(".")[0] for name, field in self._declared_fields.items()})
        stand_ins = {source: name for name, source in sources.items() if source in dataclass_fields}
        after = {
            name: getattr(meta, "after", {}).get(name)
            for name, source in sources.items()
            if source not in dataclass_fields
        }
        names = [name for name, anchor in after.items() if anchor is None]
        for field_name in dataclass_fields:
            if field_name not in getattr(meta, "exclude", ()):
                names.append(stand_ins.get(field_name, field_name))
            names.extend(name for name, anchor in after.items() if anchor == field_name)
        return names

    def build_typed_field(self, field_name, type_info, extra_kwargs):
        nested = self.by_dataclass.get(type_info.base_type)
        if nested is not None and not type_info.is_mapping:
            field_kwargs = {"many": True} if type_info.is_many else {}
            if type_info.is_nullable:
                field_kwargs["allow_null"] = True
            return nested, field_kwargs
        field_class, field_kwargs = super().build_typed_field(field_name, type_info, extra_kwargs)
        # Every figure is always served, a defaulted one too: the schema says so.
        field_kwargs.pop("required", None)
        return field_class, field_kwargs


# A tuple of a reading (`(number, name)`, `(commune, on_track)`) as an object: its items under the serializer's
# field names, in order.
class TupleSerializer(serializers.Serializer):
    def to_representation(self, instance):
        return super().to_representation(dict(zip(self.fields, instance, strict=True)))


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
