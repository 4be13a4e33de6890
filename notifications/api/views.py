"""`GET /api/v1/notifications/`: what was sent or would have been, newest first."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from core.api.base import AuditedMixin
from notifications import selectors
from notifications.api.serializers import NotificationSerializer
from notifications.constants import Channel, Status
from notifications.models import Notification

FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values),
    OpenApiParameter("event", OpenApiTypes.STR),
    OpenApiParameter("template", OpenApiTypes.STR),
    OpenApiParameter("case", OpenApiTypes.INT),
]


class NotificationList(AuditedMixin, generics.GenericAPIView):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema only; reads go through the selector
    filter_backends = []

    @extend_schema(parameters=FILTERS, responses=NotificationSerializer(many=True), operation_id="notifications_list")
    def get(self, request):
        filters = {name: request.query_params.get(name, "") for name in ("status", "channel", "event", "template")}
        case = request.query_params.get("case", "")
        filters["case"] = int(case) if case.isdigit() else None
        if case and not case.isdigit():
            raise ValidationError({"case": ["Enter a whole number."]})
        for name, allowed in (("status", Status.values), ("channel", Channel.values)):
            if filters[name] and filters[name] not in allowed:
                raise ValidationError({name: [f"Choose one of: {', '.join(allowed)}."]})
        page = self.paginate_queryset(selectors.notification_list(user=request.user, filters=filters))
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)
