"""The dashboard API's readings (portal.api.dashboards): each built from the selector dataclass it serves, so the
schema and the selectors cannot drift apart; above the domain apps, since the readings join criteria and secondments.
And the caller's to-do (portal.api.views.TodoView), which joins them too."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from criteria.api.serializers import LAST_YEAR, AsOfQuerySerializer
from criteria.forecast import HORIZON_YEARS, CommuneForecast, ForecastStatus, TargetOutlook, UnitForecast
from criteria.selectors import (
    CriteriaBand,
    CriterionProgress,
    DistrictProgress,
    TargetProgress,
    UnitProgress,
    YearProgress,
)
from ntm_portal.api.serializers import (
    BriefUnitSerializer,
    ReadingSerializer,
    TupleSerializer,
)
from secondments.selectors import AgencyActivity, BatchSummary, SecondmentSummary, SponsorSummary

# The national programme began in 2010 (QĐ 800/QĐ-TTg): 2000 leaves a margin and keeps nonsense years out.
FIRST_SPONSOR_YEAR = 2000
MAX_MONTHS_AFTER = 120
MAX_MINIMUM = 100


class SecondmentResultsQuerySerializer(AsOfQuerySerializer):
    months_after = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MONTHS_AFTER,
        required=False,
        help_text=_(
            "Xã đạt chuẩn trong bấy nhiêu tháng sau khi cán bộ về vẫn được tính (0 đến 120); mặc định theo cài đặt "
            "NTM_STANDARD_WITHIN_MONTHS (12)."
        ),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs.setdefault("months_after", settings.NTM_STANDARD_WITHIN_MONTHS)
        return attrs


class SponsorAccountabilityQuerySerializer(AsOfQuerySerializer):
    year = serializers.IntegerField(
        min_value=FIRST_SPONSOR_YEAR,
        max_value=LAST_YEAR,
        required=False,
        help_text=_(
            "Năm theo dõi, không sau năm của as_of; mặc định năm của as_of, hoặc năm gần nhất trước đó có chuyến "
            "công tác xuống xã."
        ),
    )
    min_visits = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MINIMUM,
        required=False,
        help_text=_(
            "Số chuyến công tác tối thiểu mỗi quý cho mỗi xã được phân công (0 đến 100); mặc định theo cài đặt "
            "NTM_SPONSOR_MIN_VISITS_PER_QUARTER."
        ),
    )
    min_days = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(MAX_MINIMUM),
        coerce_to_string=False,
        required=False,
        help_text=_(
            "Số ngày có mặt tại xã tối thiểu mỗi quý cho mỗi xã được phân công (0 đến 100, ví dụ 0.5); mặc định "
            "theo cài đặt NTM_SPONSOR_MIN_DAYS_PER_QUARTER."
        ),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        year = attrs.get("year")
        if year is not None and year > attrs["as_of"].year:
            raise serializers.ValidationError({"year": [_("Năm theo dõi không được sau năm của ngày tính (as_of).")]})
        return attrs


class CriteriaBandSerializer(ReadingSerializer):
    class Meta:
        dataclass = CriteriaBand


class CriterionProgressSerializer(ReadingSerializer):
    class Meta:
        dataclass = CriterionProgress
        extra_kwargs = {"percent_meeting_criterion": {"source": "percent"}}


class TargetProgressSerializer(ReadingSerializer):
    class Meta:
        dataclass = TargetProgress
        extra_kwargs = {
            "percent_of_target": {"help_text": "Communes meeting / the target's communes."},
            "target_percent_meeting_standard": {
                "help_text": "The target as a share of the unit's communes (10 of 23: 43.5)."
            },
            "min_average_criteria": {"max_digits": 4, "decimal_places": 1},
        }


class DistrictProgressSerializer(ReadingSerializer):
    class Meta:
        dataclass = DistrictProgress


class ProvinceLineSerializer(DistrictProgressSerializer):
    """A province's line in the country's summary."""

    class Meta:
        dataclass = DistrictProgress
        ref_name = "ProvinceLine"
        extra_kwargs = {"province_id": {"source": "district_id", "allow_null": False}}


class UnitProgressSerializer(ReadingSerializer):
    provinces = ProvinceLineSerializer(many=True, help_text="Only in the country's summary.")

    class Meta:
        dataclass = UnitProgress
        extra_kwargs = {
            "unit_id": {"help_text": "Empty for the whole country."},
            "code": {"source": "unit_code"},
            "name": {"source": "unit_name"},
            "level": {"source": "unit_level"},
            "criteria": {"help_text": "Weakest first."},
        }


class BatchSummarySerializer(ReadingSerializer):
    class Meta:
        dataclass = BatchSummary


class SecondmentSummarySerializer(ReadingSerializer):
    class Meta:
        dataclass = SecondmentSummary


class AgencyActivitySerializer(ReadingSerializer):
    class Meta:
        dataclass = AgencyActivity


class SponsorSummarySerializer(ReadingSerializer):
    class Meta:
        dataclass = SponsorSummary
        extra_kwargs = {
            "since": {"help_text": "The period's first day: 1 January of the year the sponsor tab reads."},
            "until": {"help_text": "The period's last day: as_of, or the end of that year if earlier."},
            "agencies": {"help_text": "The least present first."},
        }


class DashboardSerializer(serializers.Serializer):
    progress = UnitProgressSerializer()
    secondments = SecondmentSummarySerializer()
    sponsors = SponsorSummarySerializer()


class YearProgressSerializer(ReadingSerializer):
    class Meta:
        dataclass = YearProgress


class TrendSerializer(serializers.Serializer):
    unit = BriefUnitSerializer()
    years = YearProgressSerializer(many=True)


# --- forecast (issue 8) -----------------------------------------------------------------------------------------


class CommuneForecastSerializer(ReadingSerializer):
    status = serializers.ChoiceField(
        choices=[(status, status) for status in ForecastStatus.ALL],
        help_text="meets: meeting the standard on as_of; projected: reaching it on the trend by standard_year; "
        f"stalled: no gain on the trend, or more than {HORIZON_YEARS} years away; no_data: fewer than two rounds of "
        "its present set.",
    )
    criteria_missing = serializers.IntegerField(allow_null=True)

    class Meta:
        dataclass = CommuneForecast
        after = {"criteria_missing": "criteria_total"}
        extra_kwargs = {
            "criteria_met": {"help_text": "In the latest round by as_of."},
            "criteria_total": {"help_text": "Of that round's set; 0 without a round."},
            "criteria_per_year": {"help_text": "The slope of the trend."},
            "standard_year": {"help_text": "The year recognised (meets) or projected (projected)."},
            "on_previous_set": {
                "help_text": "The criteria met are of the set in force before as_of's (no round of the present set "
                "yet)."
            },
        }


class DecidingCommuneSerializer(TupleSerializer):
    """One of the communes a target needs, soonest first: (commune, on track by the target year)."""

    commune = CommuneForecastSerializer()
    on_track = serializers.BooleanField()


class ProjectedYearSerializer(TupleSerializer):
    year = serializers.IntegerField()
    communes = serializers.IntegerField(help_text="Meeting the standard by the end of the year on the trend.")


class TargetOutlookSerializer(ReadingSerializer):
    deciding = DecidingCommuneSerializer(
        many=True, help_text="The communes the target needs, soonest first, each on track by the target year or not."
    )
    projection = ProjectedYearSerializer(many=True)

    class Meta:
        dataclass = TargetOutlook
        extra_kwargs = {
            "name": {"source": "unit_name"},
            "communes_meeting_standard": {"help_text": "On as_of."},
            "target_year": {"help_text": "None: no target for as_of's year or later."},
            "communes_projected": {"help_text": "Meeting by the target year on the trend, those meeting now included."},
            "shortfall": {"help_text": "Communes missing on the trend; 0 when met."},
        }


class ForecastStatusCountSerializer(serializers.Serializer):
    meets = serializers.IntegerField()
    projected = serializers.IntegerField()
    stalled = serializers.IntegerField()
    no_data = serializers.IntegerField()


class UnitForecastSerializer(ReadingSerializer):
    listing_limited = serializers.BooleanField(
        help_text="True when the unit lies above your own: `communes` and every `deciding` list name only the "
        "communes in your scope, while the counts and the outlooks' figures cover every commune."
    )
    by_status = ForecastStatusCountSerializer()

    class Meta:
        dataclass = UnitForecast
        after = {"listing_limited": "unit_name"}
        extra_kwargs = {
            "name": {"source": "unit_name"},
            "communes": {"help_text": "Soonest first: meeting, by projected year, stalled, without data."},
            "districts": {"help_text": "A province's districts, in code order."},
        }


# --- the user's to-do (issue 15): portal.todo, served by portal.api.views.TodoView -----------------------------


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
