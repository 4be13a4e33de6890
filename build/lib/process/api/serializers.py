"""The task inbox in the API."""

from rest_framework import serializers

from core.api.fields import UsernameField


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    status = serializers.CharField()
    case = serializers.SerializerMethodField()
    case_reference = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    created = serializers.DateTimeField()

    def get_name(self, task) -> str:
        return task.flow_task.name

    def get_title(self, task) -> str:
        return str(task.flow_task.task_title)

    def _case(self, task):
        return getattr(task.process, "case", None)

    def get_case(self, task) -> int | None:
        case = self._case(task)
        return case.pk if case else None

    def get_case_reference(self, task) -> str | None:
        case = self._case(task)
        return case.reference if case else None

    def get_owner(self, task) -> str | None:
        return task.owner.get_username() if task.owner_id else None


class TaskReassignSerializer(serializers.Serializer):
    to = UsernameField(help_text="Who has the task now")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
