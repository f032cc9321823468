"""/api/v1/recognitions/: the recognition decisions (quyết định công nhận) of the communes the caller sees.

Read only here: a decision is recorded and revoked through the assessment workflow, on the round it recognises
(`POST /api/v1/assessment-rounds/{id}/recognise/` and `/revoke-recognition/`, criteria.services.transitions), so that
the round's state, the commune's level and the change log move together. `POST /api/v1/recognitions/{id}/revoke/` is
the same revocation reached from the decision.

The FilterSet sits here rather than in communes/filtersets.py because only this endpoint uses it (no browser list of
decisions yet); it moves there when one appears.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from communes.choices import NtmLevel
from communes.filtersets import YearFilter, commune_filters
from communes.models import Recognition
from criteria.services.assessment import recognition_revoke
from ntm_portal.api.serializers import ReadOnlyModelSerializer
from ntm_portal.api.viewsets import ReadOnlyViewSet

WORKFLOW = (
    "Decisions are recorded with `POST /api/v1/assessment-rounds/{id}/recognise/` (an approved round whose every "
    "criterion is met) and revoked with `POST /api/v1/assessment-rounds/{id}/revoke-recognition/` or "
    "`POST /api/v1/recognitions/{id}/revoke/`: the workflow moves the round, the commune's level and the change log "
    "together."
)


class RecognitionFilterSet(commune_filters("commune")):
    # commune_filters: province_id / province_code, district_id / district_code, commune_id / commune_code.
    level = django_filters.MultipleChoiceFilter(
        choices=[choice for choice in NtmLevel.choices if choice[0] != NtmLevel.NOT_YET],
        label=gettext_lazy("Mức công nhận"),
    )
    year = YearFilter(label=gettext_lazy("Năm đạt chuẩn"))
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on", label=gettext_lazy("Còn hiệu lực vào ngày (YYYY-MM-DD)")
    )

    class Meta:
        model = Recognition
        fields = ["commune_id", "commune_code", "level", "year", "in_force_on"]

    def filter_in_force_on(self, queryset, name, value):
        return queryset.in_force_on(value)


class RecognitionDecisionSerializer(ReadOnlyModelSerializer):
    """One recognition decision; `revoked_on` set: revoked from that day."""

    commune_id = serializers.IntegerField(read_only=True)
    criteria_set_id = serializers.IntegerField(read_only=True, allow_null=True)
    assessment_round_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The round it recognises; None for a decision recorded before the portal (imported).",
    )

    class Meta:
        model = Recognition
        fields = [
            "id",
            "commune_id",
            "level",
            "year",
            "decision_number",
            "decision_date",
            "signer",
            "criteria_set_id",
            "assessment_round_id",
            "revoked_on",
        ]


class RecognitionRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the decision is revoked (kept in the change log).")
    revoked_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")


@extend_schema_view(
    list=extend_schema(
        operation_id="list_recognitions",
        summary="Recognition decisions",
        description="The decisions of the communes you can see, newest first. `in_force_on`: those in force that day "
        "(decided on or before it, not revoked by then). " + WORKFLOW,
    ),
    retrieve=extend_schema(operation_id="get_recognition", summary="A recognition decision", description=WORKFLOW),
)
class RecognitionViewSet(ReadOnlyViewSet):
    queryset = Recognition.objects.all()
    serializer_class = RecognitionDecisionSerializer
    filterset_class = RecognitionFilterSet
    ordering_fields = ["decision_date", "year", "level"]

    @extend_schema(
        operation_id="revoke_recognition",
        summary="Revoke a recognition decision",
        description="The province revokes the decision from `revoked_on` (default today), through the workflow of "
        "the round it recognises (the same as `POST /api/v1/assessment-rounds/{id}/revoke-recognition/`); the "
        "commune's level falls back to its other decisions in force. 409 for a decision not tied to a round, or "
        "already revoked.",
        request=RecognitionRevokeSerializer,
        responses={
            200: RecognitionDecisionSerializer,
            409: OpenApiResponse(response=OpenApiTypes.OBJECT, description="Not revocable here."),
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        recognition = self.get_object()
        form = self.validated_body(RecognitionRevokeSerializer)
        if recognition.assessment_round_id is None:
            return Response(
                {
                    "detail": _("Quyết định này không gắn với kỳ đánh giá nào nên không thu hồi được qua cổng."),
                    "code": "no_round",
                },
                status=status.HTTP_409_CONFLICT,
            )
        recognition = recognition_revoke(
            user=request.user,
            assessment_round=recognition.assessment_round,
            reason=form["reason"],
            revoked_on=form.get("revoked_on"),
        )
        return Response(self.get_serializer(recognition).data)
