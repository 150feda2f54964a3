"""Evidence packs over the API: auditors and tenant admins ask for one (202) and download it
once a worker has built it."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.parsers import BoundedJSONParser
from apps.api.permissions import Capability

from ..models import EvidencePack
from ..packs import evidence_pack_download, evidence_pack_request
from .serializers import EvidencePackInputSerializer, EvidencePackSerializer


def pack_attachment(pack: EvidencePack) -> FileResponse:
    from django.core.files.storage import default_storage

    response = FileResponse(
        default_storage.open(pack.file, "rb"),
        as_attachment=True,
        filename=f"evidence-pack-{pack.pk}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-SHA256"] = pack.sha256
    return response


class EvidencePackViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Auditors and tenant admins ask for packs (202: a worker builds them) and download
    them once ready."""

    serializer_class = EvidencePackSerializer
    permission_classes = [Capability.of(read="accounts.view_audit", write="accounts.view_audit")]
    queryset = EvidencePack.objects.select_related("requested_by")
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # JSON only: a form cannot tell a period's `null` from an empty or a missing value
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=EvidencePackInputSerializer, responses={202: EvidencePackSerializer})
    def create(self, request: Request) -> Response:
        payload = EvidencePackInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pack = evidence_pack_request(actor=current_user(request), **payload.validated_data)
        return Response(EvidencePackSerializer(pack).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        pack = evidence_pack_download(actor=current_user(request), pack_id=parse_uuid(pk))
        if pack is None:
            raise Http404
        return pack_attachment(pack)
