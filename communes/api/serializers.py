from rest_framework import serializers

from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from ntm_portal.api.serializers import ReadOnlyModelSerializer


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
            "id",
            "code",
            "name",
            "level",
            "kind",
            "parent_id",
            "province_id",
            "district_id",
            "valid_from",
            "valid_to",
            "commune_group",
            *SUCCESSION_FIELDS,
        ]


class RecognitionSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Recognition
        fields = ["id", "level", "year", "decision_number", "decision_date", "signer", "revoked_on"]
