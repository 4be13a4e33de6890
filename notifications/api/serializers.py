from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """One message: to a member of staff (`to_role`, `to_user`) or a network member (`to_member`).

    Never the address or the personalisation (a family link's url is a secret)."""

    to_role = serializers.SerializerMethodField()
    to_user = serializers.SerializerMethodField()
    to_member = serializers.SerializerMethodField()
    case = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "template",
            "channel",
            "status",
            "to_role",
            "to_user",
            "to_member",
            "case",
            "attempts",
            "created_at",
            "sent_at",
            "delivered_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_to_role(self, obj):
        return (obj.to_role or "staff") if obj.member_id is None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_to_user(self, obj):
        return obj.user.get_username() if obj.user_id else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_to_member(self, obj):
        return obj.member_id
