from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.ids import parse_uuid
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import PermissionRefused, ValidationFailed

from .. import selectors, services
from ..models import ApprovalTask, Delegation
from .serializers import (
    DecisionSerializer,
    DelegateSerializer,
    DelegationSerializer,
    RejectSerializer,
    TaskSerializer,
)

TASK_FILTERS = Filters(
    QueryParam.choice("status", ApprovalTask.Status.values),
    QueryParam("subject_type", description="requisition, supplier, invoice, contract, …"),
)


@TASK_FILTERS.on("list")
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's approval tasks. Deciding needs the approve capability; a task that is not
    the caller's is refused."""

    serializer_class = TaskSerializer

    queryset = ApprovalTask.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet:
        return selectors.tasks_of(current_user(self.request), **TASK_FILTERS.of(self))

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        instance = args[0] if args else None
        tasks = (
            list(instance)
            if isinstance(instance, list | QuerySet)
            else [instance]
            if instance
            else []
        )
        kwargs.setdefault("context", self.get_serializer_context())
        kwargs["context"]["summaries"] = services.subject_summaries(tasks)
        return TaskSerializer(*args, **kwargs)

    def _done(self, task_id: Any) -> Response:
        task = selectors.tasks_of(current_user(self.request)).filter(pk=task_id).first()
        return Response(self.get_serializer(task).data)

    @extend_schema(request=DecisionSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.task_approve(
            actor=current_user(request),
            task_id=_task_id(pk),
            comment=payload.validated_data["comment"],
            channel="api",
        )
        return self._done(task.pk)

    @extend_schema(request=RejectSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        payload = RejectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.task_reject(
            actor=current_user(request),
            task_id=_task_id(pk),
            comment=payload.validated_data["comment"],
            channel="api",
        )
        return self._done(task.pk)

    @extend_schema(request=DelegateSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def delegate(self, request: Request, pk: str) -> Response:
        payload = DelegateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        to_user = User.objects.with_identity(payload.validated_data["to"]).first()
        if to_user is None:
            raise ValidationFailed(errors={"to": [_("No such user.")]})
        services.task_delegate(
            actor=current_user(request),
            task_id=_task_id(pk),
            to_user=to_user,
            comment=payload.validated_data["comment"],
        )
        return self._done(_task_id(pk))


def _task_id(value: str) -> Any:
    task_id = parse_uuid(value)
    if task_id is None:
        raise PermissionRefused(_("This task is not in your inbox."))
    return task_id


class DelegationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The caller's out-of-office delegations."""

    serializer_class = DelegationSerializer

    def get_queryset(self) -> QuerySet:
        return (
            Delegation.objects.filter(user=current_user(self.request))
            .select_related("delegate")
            .order_by("-starts_on")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        delegate = User.objects.with_identity(str(data.get("delegate", ""))).first()
        payload = DelegationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if delegate is None:
            raise ValidationFailed(errors={"delegate": [_("No such user.")]})
        delegation = services.delegation_create(
            actor=current_user(request),
            delegate=delegate,
            starts_on=payload.validated_data["starts_on"],
            ends_on=payload.validated_data["ends_on"],
        )
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)
