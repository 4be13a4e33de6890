from django.apps import AppConfig


class ProcessConfig(AppConfig):
    """The top floor: the case flow, the home inbox, the demo data and the reactions across apps."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "process"
    verbose_name = "Case process"

    def ready(self):
        from core import workflow
        from process.workflow import CaseWorkflow

        workflow.register(CaseWorkflow())
