from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communes.choices import Region
from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from ntm_portal.api.serializers import BriefUnitSerializer


class PredecessorSerializer(serializers.ModelSerializer):
    """An old unit this one was formed from; default_successor is false for a part of a divided commune other than
    the part the official conversion names as its default."""

    id = serializers.IntegerField(source="predecessor.id", read_only=True)
    code = serializers.CharField(source="predecessor.code", read_only=True)
    name = serializers.CharField(source="predecessor.name", read_only=True)

    class Meta:
        model = UnitSuccession
        fields = ["id", "code", "name", "default_successor"]
        read_only_fields = fields


class SuccessorSerializer(serializers.ModelSerializer):
    """A new unit this one became (part of) on a reorganisation."""

    id = serializers.IntegerField(source="successor.id", read_only=True)
    code = serializers.CharField(source="successor.code", read_only=True)
    name = serializers.CharField(source="successor.name", read_only=True)

    class Meta:
        model = UnitSuccession
        fields = ["id", "code", "name", "default_successor"]
        read_only_fields = fields


# The reorganisation fields both unit endpoints expose; their querysets prefetch the links (succession_prefetch).
SUCCESSION_FIELDS = ["merged_from", "merged_into", "latitude", "longitude", "area_km2"]


class SuccessionFieldsMixin(serializers.Serializer):
    merged_from = PredecessorSerializer(source="predecessor_links", many=True, read_only=True)
    merged_into = SuccessorSerializer(source="successor_links", many=True, read_only=True)


class AdministrativeUnitSerializer(SuccessionFieldsMixin, serializers.ModelSerializer):
    """A province, district or commune. Units come from the official lists (manage.py import_units) and the 2025
    reorganisation (manage.py import_merger_2025): read only."""

    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    province_id = serializers.IntegerField(read_only=True, allow_null=True)
    district_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = AdministrativeUnit
        fields = [
            "id", "code", "name", "level", "kind", "parent_id", "province_id", "district_id", "valid_from", "valid_to",
            "commune_group", *SUCCESSION_FIELDS,
        ]  # fmt: skip
        read_only_fields = fields


class RecognitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recognition
        fields = ["id", "level", "year", "decision_number", "decision_date", "signer", "revoked_on"]
        read_only_fields = fields


class UnmetCriterionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()


class CommuneProgressSerializer(serializers.Serializer):
    """Where a commune stood on `as_of` (criteria.selectors: the figures the dashboards and the PDF report use)."""

    as_of = serializers.DateField()
    round_id = serializers.IntegerField(allow_null=True)
    round_year = serializers.IntegerField(allow_null=True)
    round_status = serializers.CharField(allow_null=True)
    criteria_met = serializers.IntegerField(allow_null=True, help_text="None: no round of the set by as_of.")
    criteria_total = serializers.IntegerField()
    unmet_criteria = UnmetCriterionSerializer(many=True)
    ntm_level = serializers.CharField(help_text="The NTM level in force on as_of, from the recognition decisions.")
    meets_standard = serializers.BooleanField()
    previous_set_name = serializers.CharField(
        allow_null=True, help_text="No round of the set by as_of yet: the set in force before, and the commune's "
        "criteria met of its criteria total then.",
    )  # fmt: skip
    previous_criteria_met = serializers.IntegerField(allow_null=True)
    previous_criteria_total = serializers.IntegerField(allow_null=True)


class CommuneSerializer(SuccessionFieldsMixin, serializers.ModelSerializer):
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
            "id", "code", "name", "kind", "province", "district", "valid_from", "valid_to", "region",
            "commune_group", "especially_disadvantaged", "designated_special", "ntm_level", "recognition",
            "target_year", *SUCCESSION_FIELDS, "progress",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CommuneProgressSerializer(allow_null=True))
    def get_progress(self, commune):
        """Null when the commune was not current on as_of."""
        progress = self.context.get("progress", {}).get(commune.pk)
        if progress is None:
            return None
        return CommuneProgressSerializer(
            {
                **progress.__dict__,
                "as_of": self.context["as_of"],
                "unmet_criteria": [{"number": n, "name": name} for n, name in progress.unmet_criteria],
            }
        ).data
