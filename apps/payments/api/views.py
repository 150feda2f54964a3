"""`payment-runs/`: proposal, release, confirmation and cancellation of payment runs, and their
pain.001 and CSV files."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.ids import parse_uuid
from apps.api.permissions import Capability
from apps.controls.refusals import NotFound

from ..files import run_file
from ..models import PaymentRun
from ..selectors import payment_runs
from ..services import runs
from .serializers import ConfirmSerializer, PaymentRunSerializer


class PaymentRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentRunSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.process_invoices", "accounts.view_audit"),
            write="accounts.process_invoices",
        )
    ]

    def get_queryset(self) -> QuerySet[PaymentRun]:
        return payment_runs(current_user(self.request)).prefetch_related(
            "payments__invoice__supplier"
        )

    def _pk(self, pk: str) -> Any:
        run = self.get_queryset().filter(pk=pk).first() if parse_uuid(pk) else None
        if run is None:
            raise NotFound()
        return run.pk

    def _body(self, pk: Any) -> Response:
        return Response(PaymentRunSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses={201: PaymentRunSerializer(many=True)})
    def create(self, request: Request) -> Response:
        proposed = runs.payment_proposal_create(actor=current_user(request))
        return Response(
            PaymentRunSerializer(
                self.get_queryset().filter(pk__in=[r.pk for r in proposed]), many=True
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=PaymentRunSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        run = runs.payment_run_release(actor=current_user(request), run_id=self._pk(pk))
        return self._body(run.pk)

    @extend_schema(request=ConfirmSerializer, responses=PaymentRunSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        payload = ConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = runs.payment_run_confirm(
            actor=current_user(request),
            run_id=self._pk(pk),
            reference=payload.validated_data["reference"],
        )
        return self._body(run.pk)

    @extend_schema(request=None, responses=PaymentRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        run = runs.payment_run_cancel(actor=current_user(request), run_id=self._pk(pk))
        return self._body(run.pk)

    @extend_schema(responses={(200, "application/xml"): bytes})
    @action(detail=True, methods=["get"])
    def pain001(self, request: Request, pk: str) -> HttpResponse:
        run = self.get_queryset().get(pk=self._pk(pk))
        if not run.pain001:
            raise NotFound(_("The run is not released yet."))
        return run_file(run, "pain001")

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"], url_path="csv")
    def csv_file(self, request: Request, pk: str) -> HttpResponse:
        return run_file(self.get_queryset().get(pk=self._pk(pk)), "csv")
