"""The OpenAPI schema: drf-spectacular's, plus the error responses DRF does not declare by itself.

Every operation can answer 400 (a query parameter or body field it refuses, named in the body), 401 (no or a wrong
token), 403 (the caller's role or unit does not allow it), 404 (not found, or outside the caller's scope) and 429
(a token over its rate); writes and workflow actions can also answer 409 (a transition the round's state does not
allow, a concurrent edit, a record still referenced).
"""

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from .filters import MAX_PARAMETER_LENGTH

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says what went wrong; a refused field appears under its own name with its "
    "messages (`non_field_errors` for the record as a whole).",
    "properties": {
        "detail": {"type": "string"},
        # The error's code, or the messages of a refused field that is itself named `code` (`?code=`).
        "code": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    "additionalProperties": {},
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a query parameter or a body field, named with the reason.",
    "401": "No credentials, or a wrong or revoked token.",
    "403": "The caller's role or unit does not allow this.",
    "404": "Not found, or outside the caller's scope.",
    "409": "Refused in the record's current state: an illegal transition, a concurrent edit, or still referenced.",
    "429": "Too many requests with this token; retry after the time in Retry-After.",
}


# What a viewset's standard action does, as the verb of its operationId.
STANDARD_VERBS = {
    "list": "list",
    "retrieve": "get",
    "create": "create",
    "update": "update",
    "partial_update": "partially_update",
    "destroy": "delete",
}
# Custom actions whose name is no verb of its own.
ACTION_VERBS = {"values": "save_values"}


def singular(plural: str) -> str:
    """The resource of a route's first segment, singular: "assessment-rounds" → "assessment_round"."""
    words = plural.replace("-", "_").split("_")
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses")):
        last = last[:-2]
    elif last.endswith("s"):
        last = last[:-1]
    return "_".join([*words[:-1], last])


class PortalAutoSchema(AutoSchema):
    def get_operation_id(self):
        """Verbs a generated client reads well: `list_communes`, `get_commune`, `approve_assessment_round`,
        `get_dashboard_trend`, `return_assessment_round_to_commune`. An explicit `operation_id=` wins."""
        action = getattr(self.view, "action", None)
        segments = [s for s in re.sub(r"^/api/v\d+/", "", self.path).split("/") if s and not s.startswith("{")]
        if action is None or not segments:
            return super().get_operation_id()
        plural = segments[0].replace("-", "_")
        if action in STANDARD_VERBS:
            return f"list_{plural}" if action == "list" else f"{STANDARD_VERBS[action]}_{singular(segments[0])}"
        name = ACTION_VERBS.get(action, action)
        if self.method == "GET":
            return f"get_{singular(segments[0])}_{name}"
        verb, _, rest = name.partition("_")
        return f"{verb}_{singular(segments[0])}" + (f"_{rest}" if rest else "")

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        pattern = schema.get("pattern") if isinstance(schema, dict) else None
        match = (
            DECIMAL_PATTERN.match(pattern)
            if isinstance(pattern, str) and isinstance(field, serializers.DecimalField)
            else None
        )
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & schema.keys()
        ):
            # DRF refuses a NUL character in any text, and text that is only spaces where it may not be blank (it
            # trims them): said in the schema, so that a client and a fuzzer know what the server accepts.
            may_be_spaces = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = r"^[^\x00]*$" if may_be_spaces else r"^[^\x00]*[^\s\x00][^\x00]*$"
        if match:
            # drf-spectacular's `^-?\\d{0,3}(?:\\.\\d{0,1})?$` also matches "", "-" and ".", which DRF refuses, and a
            # minus sign where the field's minimum is 0: the same digits, at least one of them, signed only if allowed.
            whole, fraction = match.groups()
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            schema["pattern"] = rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{fraction}}})?|\.\d{{1,{fraction}}})$"
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404", "429"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("409")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        for code in self._error_codes():
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": component.ref}}, "description": ERROR_DESCRIPTIONS[code]},
            )
        return responses


DECIMAL_PATTERN = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def query_string_limits(result, generator, request, public):
    """drf-spectacular hook: what every query parameter's text must be, as the server checks it before anything
    reads it (ntm_portal.api.filters.check_query_parameters): not empty, at most MAX_PARAMETER_LENGTH characters,
    no NUL byte."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                for node in (schema, schema.get("items")):
                    if not isinstance(node, dict) or node.get("type") != "string" or "enum" in node:
                        continue
                    node["minLength"] = max(node.get("minLength", 1), 1)
                    node["maxLength"] = min(node.get("maxLength", MAX_PARAMETER_LENGTH), MAX_PARAMETER_LENGTH)
                    if "pattern" not in node and "format" not in node:
                        node["pattern"] = "^[^\\x00]+$"
    return result


def ascii_parameter_titles(result, generator, request, public):
    """drf-spectacular hook: a query parameter's schema gets no `title`. django-filter's labels are Vietnamese, and a
    generated client names the parameter's enum after it (`CommunesListNhÓMXÃ20262030`); without one, the client
    names it after the operation and the parameter (`ListCommunesCommuneGroup`). The label stays the description."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                title = schema.pop("title", None)
                if title and not parameter.get("description"):
                    parameter["description"] = title
                for item in (schema.get("items"),):
                    if isinstance(item, dict):
                        item.pop("title", None)
    return result
