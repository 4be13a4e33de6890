"""The caller's inbox and claimable queue (`/api/v1/tasks/`), and taking a task."""

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from viewflow.workflow.models import Task

from core.api.base import AuditedAPIView, AuditedMixin
from core.paging import IdsFirstPaginator
from core.roles import ensure_may
from process import selectors, services
from process.api import serializers as s


class TaskList(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.TaskSerializer
    queryset = Task.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=s.TaskSerializer(many=True), operation_id="tasks_list")
    def get(self, request):
        # A page read by ids first (the inbox and queue's ids from their indexes, then 50 tasks).
        ids = selectors.task_list_ids(user=request.user)
        self.paginator.django_paginator_class = partial(IdsFirstPaginator, ids=ids)
        page = self.paginate_queryset(selectors.task_list_rows(user=request.user))
        return self.get_paginated_response(s.TaskSerializer(page, many=True).data)


class TaskAssign(AuditedAPIView):
    @extend_schema(request=None, responses=s.TaskSerializer)
    def post(self, request, task_id):
        task = services.task_assign(task_id=task_id, by=request.user)  # 404, then the role's check
        return Response(s.TaskSerializer(task).data)


class TaskReassign(AuditedAPIView):
    @extend_schema(request=s.TaskReassignSerializer, responses=s.TaskSerializer)
    def post(self, request, task_id):
        selectors.reassignable_task_get(user=request.user, task_id=task_id)
        ensure_may(request.user, "task_reassign")
        data = s.TaskReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_reassign(
            task_id=task_id, by=request.user, to=data.validated_data["to"], reason=data.validated_data["reason"]
        )
        return Response(s.TaskSerializer(task).data)
