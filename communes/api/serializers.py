from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communes.choices import Region
from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from criteria.selectors import CommuneProgress
from ntm_portal.api.serializers import BriefUnitSerializer, ReadingSerializer, ReadOnlyModelSerializer, TupleSerializer


class PredecessorSerializer(ReadOnlyModelSerializer):
    """An old unit this one was formed from; default_successor is false for a part of a divided commune other than
    the part the official conversion names as its default."""

    id = serializers.IntegerField(source="predecessor.id", read_only=True)
    code = serializers.CharField(source="predecessor.code", read_only=True)
    name = serializers.CharField(source="predecessor.name", read_only=True)

    class Meta:
        model = UnitSuccession
        fields = ["id", "code", "name", "default_successor"]


class SuccessorSerializer(ReadOnlyModelSerializer):
    """A new unit this one became (part of) on a reorganisation."""

    id = serializers.IntegerField(source="successor.id", read_only=True)
    code = serializers.CharField(source="successor.code", read_only=True)
    name = serializers.CharField(source="successor.name", read_only=True)

    class Meta:
        model = UnitSuccession
        fields = ["id", "code", "name", "default_successor"]


# The reorganisation fields both unit endpoints expose; their querysets prefetch the links (succession_prefetch).
SUCCESSION_FIELDS = ["merged_from", "merged_into", "latitude", "longitude", "area_km2"]


class SuccessionFieldsMixin(serializers.Serializer):
    merged_from = PredecessorSerializer(source="predecessor_links", many=True, read_only=True)
    merged_into = SuccessorSerializer(source="successor_links", many=True, read_only=True)


class AdministrativeUnitSerializer(SuccessionFieldsMixin, ReadOnlyModelSerializer):
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


class RecognitionSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Recognition
        fields = ["id", "level", "year", "decision_number", "decision_date", "signer", "revoked_on"]


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
            "commune_id", "code", "name", "district_id", "district_name", "region", "commune_group",
            "especially_disadvantaged", "designated_special",
        ]  # fmt: skip
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
            "id", "code", "name", "kind", "province", "district", "valid_from", "valid_to", "region",
            "commune_group", "especially_disadvantaged", "designated_special", "ntm_level", "recognition",
            "target_year", *SUCCESSION_FIELDS, "progress",
        ]  # fmt: skip

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
