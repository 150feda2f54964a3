from rest_framework import serializers

from apps.api.fields import Text

from ..models import EvidencePack


class EvidencePackSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.email", default=None, allow_null=True, read_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidencePack
        fields = [
            "id", "status", "title", "subject_type", "subject_id", "period_start", "period_end",
            "requested_by", "requested_at", "ready_at", "sha256", "size", "pages", "events",
            "chain_valid", "chain_first_bad", "error", "download_url",
        ]  # fmt: skip

    def get_download_url(self, pack: EvidencePack) -> str | None:
        if pack.status != EvidencePack.Status.READY:
            return None
        return f"/api/v1/evidence-packs/{pack.pk}/download/"


class EvidencePackInputSerializer(serializers.Serializer):
    subject_type = Text(required=False, allow_blank=True, default="")
    subject_id = Text(required=False, allow_blank=True, default="")
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
