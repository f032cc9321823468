from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communes.api.serializers import SUCCESSION_FIELDS, RecognitionSerializer, SuccessionFieldsMixin
from communes.choices import NtmLevel, Region
from communes.models import AdministrativeUnit
from criteria.choices import ReviewState
from criteria.models import (
    AssessmentChange,
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    UnitTarget,
)
from criteria.selectors import (
    CommuneProgress,
)
from criteria.services import transitions
from criteria.services.transitions import Transition
from ntm_portal.api.serializers import (
    BriefUnitSerializer,
    CleanModelSerializer,
    ReadingSerializer,
    ReadOnlyModelSerializer,
    TupleSerializer,
    VisibleRelatedField,
)

FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_TREND_YEARS = 30


# --- criteria sets ----------------------------------------------------------------------------------------------


class IndicatorTargetSerializer(ReadOnlyModelSerializer):
    # Read-only model fields lose allow_blank in DRF, and the schema would then promise a region on every target.
    region = serializers.ChoiceField(choices=Region.choices, allow_blank=True, read_only=True)

    class Meta:
        model = IndicatorTarget
        fields = ["id", "region", "commune_group", "threshold", "source_note"]


class IndicatorSerializer(ReadOnlyModelSerializer):
    targets = IndicatorTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "comparison", "position", "targets"]


class CriterionSerializer(ReadOnlyModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "number", "name", "group_code", "group_name", "indicators"]


class CriteriaSetSerializer(ReadOnlyModelSerializer):
    """A versioned set with its criteria, their indicators and each indicator's targets by region or commune group
    (an empty threshold: not known yet)."""

    province_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="A provincial set's province.")
    derived_from_id = serializers.IntegerField(read_only=True, allow_null=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = CriteriaSet
        fields = [
            "id",
            "code",
            "name",
            "period_start",
            "period_end",
            "level",
            "target_scheme",
            "legal_basis",
            "issued_on",
            "province_id",
            "derived_from_id",
            "source_note",
            "criteria",
        ]


# --- assessment rounds ------------------------------------------------------------------------------------------


class BriefCriteriaSetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class CriterionResultSerializer(ReadOnlyModelSerializer):
    criterion_id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(source="criterion.number", read_only=True)
    name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = CriterionResult
        fields = [
            "criterion_id",
            "number",
            "name",
            "met",
            "assessed_as_whole",
            "note",
            "review_state",
            "review_comment",
        ]


class IndicatorValueSerializer(ReadOnlyModelSerializer):
    """A commune's value for one indicator in one round. Entered through the round's `values` action."""

    assessment_round_id = serializers.IntegerField(read_only=True)
    commune_id = serializers.IntegerField(source="assessment_round.commune_id", read_only=True)
    year = serializers.IntegerField(source="assessment_round.year", read_only=True)
    criterion_id = serializers.IntegerField(source="indicator.criterion_id", read_only=True)
    indicator_id = serializers.IntegerField(read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "assessment_round_id",
            "commune_id",
            "year",
            "criterion_id",
            "indicator_id",
            "indicator_code",
            "value_number",
            "value_bool",
            "met",
            "note",
        ]


class RoundValueSerializer(ReadOnlyModelSerializer):
    indicator_id = serializers.IntegerField(read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["indicator_id", "indicator_code", "value_number", "value_bool", "met", "note"]


class RoundActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    route = serializers.CharField(help_text=_("POST /api/v1/assessment-rounds/{id}/<route>/"))
    title = serializers.CharField()
    blocked_by = serializers.CharField(allow_null=True, help_text=_("Vì sao chưa thực hiện được (null: được)."))


class AssessmentRoundSerializer(ReadOnlyModelSerializer):
    """A commune's self-assessment for a year: its score ("15/19"), its results per criterion and its values.

    Created by POST (a draft, one result per criterion); values are saved with the `values` action and the round
    moves on with the routes of criteria.services.transitions' table (`submit`, `review`, `verify`,
    `return-to-commune`, `approve`, ...): never by PUT or PATCH. `actions` (one round read alone, else null) lists the
    steps the caller may take now, and why a step is still refused."""

    commune = BriefUnitSerializer(read_only=True)
    criteria_set = BriefCriteriaSetSerializer(read_only=True)
    criteria_met = serializers.IntegerField(read_only=True)
    criteria_total = serializers.IntegerField(read_only=True)
    results = CriterionResultSerializer(source="criterion_results", many=True, read_only=True)
    values = RoundValueSerializer(source="indicator_values", many=True, read_only=True)
    actions = serializers.SerializerMethodField()
    recognition_id = serializers.SerializerMethodField(help_text="The recognition decision resting on this round.")

    class Meta:
        model = AssessmentRound
        fields = [
            "id",
            "commune",
            "criteria_set",
            "year",
            "as_of",
            "status",
            "version",
            "created_at",
            "updated_at",
            "criteria_met",
            "criteria_total",
            "recognition_id",
            "results",
            "values",
            "actions",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_recognition_id(self, assessment_round) -> int | None:
        recognition = getattr(assessment_round, "recognition", None)  # joined by the API's queryset
        return recognition.pk if recognition else None

    @extend_schema_field(RoundActionSerializer(many=True, allow_null=True))
    def get_actions(self, assessment_round):
        request = self.context.get("request")
        if not self.context.get("with_actions") or request is None:
            return None  # a list would ask once per row
        return [
            {
                "name": o.transition.name,
                "route": o.transition.api_path,
                "title": str(o.transition.title),
                "blocked_by": o.blocked_by,
            }
            for o in transitions.offers(request.user, assessment_round)
        ]


def _visible_sets(user):
    return CriteriaSet.objects.visible_to(user)


class RoundStartSerializer(serializers.Serializer):
    commune_id = VisibleRelatedField(
        source="commune",
        queryset=AdministrativeUnit.objects.communes(),
        help_text=_("Xã (khóa) — chỉ xã trong phạm vi của bạn."),
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    criteria_set_id = serializers.PrimaryKeyRelatedField(
        source="criteria_set",
        queryset=CriteriaSet.objects.all(),
        required=False,
        help_text=_("Bộ tiêu chí (khóa); mặc định bộ tiêu chí quốc gia của năm."),
    )
    as_of = serializers.DateField(required=False, help_text=_("Ngày chốt số liệu; mặc định 31/12 của năm."))

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["criteria_set_id"].queryset = _visible_sets(getattr(request, "user", None))
        return fields


class IndicatorInputSerializer(serializers.Serializer):
    indicator_id = serializers.IntegerField(
        source="indicator", min_value=1, help_text=_("Khóa chỉ tiêu, thuộc bộ tiêu chí của kỳ.")
    )
    value_number = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    value_bool = serializers.BooleanField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CriterionInputSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField(
        source="criterion", min_value=1, help_text=_("Khóa tiêu chí, thuộc bộ tiêu chí của kỳ.")
    )
    met = serializers.BooleanField(
        required=False, allow_null=True, help_text=_("Chỉ cho tiêu chí đánh giá chung (không ghi chỉ tiêu).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def _unique(items: list[dict], key: str, label: str) -> list[dict]:
    seen = [item[key] for item in items]
    if len(seen) != len(set(seen)):
        raise serializers.ValidationError(_("Mỗi %(label)s chỉ được nêu một lần.") % {"label": label})
    return items


class RoundValuesSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text=_("Phiên bản của kỳ khi bạn mở nó: nếu người khác đã lưu sau đó, thay đổi bị từ chối.")
    )
    indicators = IndicatorInputSerializer(many=True, required=False, default=list, max_length=500)
    criteria = CriterionInputSerializer(many=True, required=False, default=list, max_length=200)

    def validate_indicators(self, value):
        return _unique(value, "indicator", "chỉ tiêu")

    def validate_criteria(self, value):
        return _unique(value, "criterion", "tiêu chí")


class SaveResultSerializer(serializers.Serializer):
    changes = serializers.IntegerField()
    version = serializers.IntegerField()
    round = AssessmentRoundSerializer()


class CriterionReviewSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField(
        source="criterion", min_value=1, help_text=_("Khóa tiêu chí, thuộc bộ tiêu chí của kỳ.")
    )
    state = serializers.ChoiceField(
        choices=ReviewState.choices,
        required=False,
        allow_null=True,
        help_text=_("verified: đạt thẩm tra; returned: trả lại; pending: chưa thẩm tra; bỏ trống: giữ nguyên."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def _decision_fields() -> dict:
    return {
        "decision_number": serializers.CharField(max_length=60),
        "decision_date": serializers.DateField(),
        "signer": serializers.CharField(max_length=120),
        "level": serializers.ChoiceField(
            choices=[c for c in NtmLevel.choices if c[0] != NtmLevel.NOT_YET],
            required=False,
            help_text=_("Mặc định: mức bộ tiêu chí của kỳ công nhận (cơ bản: đạt chuẩn; nâng cao; kiểu mẫu)."),
        ),
        "confirm": serializers.BooleanField(
            default=False, help_text=_("Bắt buộc (cùng lý do) khi xã đã có mức bằng hoặc cao hơn: nếu không, 409.")
        ),
        "reason": serializers.CharField(required=False, allow_blank=True, max_length=2000, default=""),
    }


def _validate_reviews(self, value):
    return _unique(value, "criterion", "tiêu chí")


def transition_request_serializer(transition: Transition) -> type[serializers.Serializer]:
    """The body one transition of the table takes, built from its row: the version, a comment or a required reason,
    the per-criterion marks and comments, a decision."""
    fields: dict = {}
    if transition.needs_version:
        fields["version"] = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text=_("Nếu có: từ chối khi kỳ đã bị người khác thay đổi sau phiên bản này."),
        )
    if transition.name == "recognise":
        fields.update(_decision_fields())
    elif transition.name == "revoke_recognition":
        fields["revoked_on"] = serializers.DateField(required=False, help_text=_("Mặc định: hôm nay."))
    if transition.name not in ("submit", "withdraw", "recognise"):
        if transition.needs_reason:
            fields["comment"] = serializers.CharField(max_length=2000, help_text=_("Lý do (bắt buộc)."))
        else:
            fields["comment"] = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    if transition.needs_review:
        fields["reviews"] = CriterionReviewSerializer(many=True, required=False, default=list, max_length=200)
        fields["validate_reviews"] = _validate_reviews
    name = "".join(part.title() for part in transition.name.split("_"))  # the schema calls it "<Name>Request"
    return type(name, (serializers.Serializer,), fields)


class RecognitionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    signer = serializers.CharField()
    round = AssessmentRoundSerializer()


class AssessmentChangeSerializer(ReadOnlyModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", read_only=True, allow_null=True, default=None)
    criterion_id = serializers.IntegerField(read_only=True, allow_null=True)
    indicator_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = AssessmentChange
        fields = [
            "id",
            "changed_at",
            "changed_by",
            "kind",
            "criterion_id",
            "indicator_id",
            "field",
            "old_value",
            "new_value",
            "comment",
        ]


# --- targets ----------------------------------------------------------------------------------------------------


class UnitTargetSerializer(CleanModelSerializer):
    """What a province or district committed to by a year. Written by the province's coordinators (the province and
    its districts) and by a district's officers (their district)."""

    unit_id = VisibleRelatedField(
        source="unit",
        queryset=AdministrativeUnit.objects.all(),
        help_text=_("Tỉnh hoặc huyện (khóa) trong phạm vi của bạn."),
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitTarget
        fields = [
            "id",
            "unit_id",
            "unit_name",
            "year",
            "min_communes_meeting_standard",
            "min_average_criteria",
            "min_criteria_per_commune",
            "decision",
        ]


# --- dashboards -------------------------------------------------------------------------------------------------


class AsOfQuerySerializer(serializers.Serializer):
    """`as_of`: the date a figure is computed on, today by default. The forecast's only parameter."""

    as_of = serializers.DateField(
        required=False, help_text=_("Tính đến ngày (YYYY-MM-DD); mặc định hôm nay. Năm từ 1990 đến 2100.")
    )

    def validate_as_of(self, value: datetime.date) -> datetime.date:
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise serializers.ValidationError(
                _("Năm phải từ %(first)s đến %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return value

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        return attrs


class ProgressQuerySerializer(AsOfQuerySerializer):
    """The query parameters of every progress figure: the date, the set, and whether only approved rounds count."""

    criteria_set_id = serializers.PrimaryKeyRelatedField(
        source="criteria_set",
        queryset=CriteriaSet.objects.all(),
        required=False,
        help_text=_("Bộ tiêu chí (khóa); mặc định bộ tiêu chí quốc gia (cơ bản) của năm."),
    )
    criteria_set_code = serializers.SlugRelatedField(
        source="criteria_set",
        slug_field="code",
        queryset=CriteriaSet.objects.all(),
        required=False,
        help_text=_("Hoặc mã bộ tiêu chí (vd. NTM-XA-2026-2030), thay cho criteria_set_id."),
    )
    approved_only = serializers.BooleanField(
        required=False, default=False, help_text=_("Chỉ tính các kỳ đánh giá đã được tỉnh thẩm định.")
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        sets = _visible_sets(getattr(request, "user", None))
        fields["criteria_set_id"].queryset = fields["criteria_set_code"].queryset = sets
        return fields

    def validate(self, attrs):
        if "criteria_set_id" in self.initial_data and "criteria_set_code" in self.initial_data:
            raise serializers.ValidationError(
                {"criteria_set_code": [_("Chỉ nêu một trong hai: criteria_set_id hoặc criteria_set_code.")]}
            )
        return super().validate(attrs)


class TrendQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text=_("Năm cuối tính đến ngày này (YYYY-MM-DD); mặc định hôm nay. Năm từ 1990 đến 2100."),
    )
    from_year = serializers.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text=_(
            "Năm đầu, từ 1990 đến 2100, không sau to_year; mặc định 9 năm trước năm cuối. Tối đa 30 năm một lần."
        ),
    )
    to_year = serializers.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text=_("Năm cuối, từ 1990 đến 2100, không trước from_year; mặc định năm của as_of."),
    )
    approved_only = serializers.BooleanField(
        required=False, default=False, help_text=_("Chỉ tính các kỳ đánh giá đã được tỉnh thẩm định.")
    )

    def validate(self, attrs):
        as_of = attrs.get("as_of") or timezone.localdate()
        if not FIRST_YEAR <= as_of.year <= LAST_YEAR:
            raise serializers.ValidationError({"as_of": [_("Năm phải từ 1990 đến 2100.")]})
        to_year = attrs.get("to_year") or as_of.year
        from_year = attrs.get("from_year") or to_year - 9
        if from_year > to_year:
            raise serializers.ValidationError({"from_year": [_("Năm đầu phải không sau năm cuối.")]})
        if to_year - from_year + 1 > MAX_TREND_YEARS:
            raise serializers.ValidationError({"from_year": [_("Tối đa %(n)s năm một lần.") % {"n": MAX_TREND_YEARS}]})
        # A year after as_of has no figures yet: the trend ends at as_of.
        as_of = min(as_of, datetime.date(to_year, 12, 31))
        return {"as_of": as_of, "years": range(from_year, to_year + 1), "approved_only": attrs["approved_only"]}


class UnmetCriterionSerializer(TupleSerializer):
    number = serializers.IntegerField()
    name = serializers.CharField()


class CommuneProgressSerializer(ReadingSerializer):
    """Where a commune stood on `as_of` (criteria.selectors: the figures the dashboards and the PDF report use)."""

    as_of = serializers.DateField()
    unmet_criteria = UnmetCriterionSerializer(many=True)

    class Meta:
        dataclass = CommuneProgress
        # The commune itself is the record these figures sit in.
        exclude = [
            "commune_id",
            "code",
            "name",
            "district_id",
            "district_name",
            "region",
            "commune_group",
            "especially_disadvantaged",
            "designated_special",
        ]
        extra_kwargs = {
            "criteria_met": {"help_text": "None: no round of the set by as_of."},
            "ntm_level": {"help_text": "The NTM level in force on as_of, from the recognition decisions."},
            "previous_set_name": {
                "help_text": "No round of the set by as_of yet: the set in force before, and the commune's criteria "
                "met of its criteria total then."
            },
        }


class CommuneSerializer(SuccessionFieldsMixin, ReadOnlyModelSerializer):
    """A commune with its status (NTM level and recognition), its score and the criteria it has not met yet."""

    province = BriefUnitSerializer(read_only=True)
    district = BriefUnitSerializer(read_only=True, allow_null=True)
    # Read-only model fields lose allow_blank in DRF: a commune's region may not be set yet.
    region = serializers.ChoiceField(choices=Region.choices, allow_blank=True, read_only=True)
    recognition = RecognitionSerializer(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = AdministrativeUnit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "province",
            "district",
            "valid_from",
            "valid_to",
            "region",
            "commune_group",
            "especially_disadvantaged",
            "designated_special",
            "ntm_level",
            "recognition",
            "target_year",
            *SUCCESSION_FIELDS,
            "progress",
        ]

    @extend_schema_field(CommuneProgressSerializer(allow_null=True))
    def get_progress(self, commune):
        """Null when the commune was not current on as_of."""
        progress = self.context.get("progress", {}).get(commune.pk)
        if progress is None:
            return None
        return self._progress_serializer.to_representation({**vars(progress), "as_of": self.context["as_of"]})

    @cached_property
    def _progress_serializer(self) -> CommuneProgressSerializer:
        # One for every row of a list (the serializer of a list's rows is one instance).
        return CommuneProgressSerializer()
