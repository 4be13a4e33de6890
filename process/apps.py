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

        from django.db.models.signals import post_delete, post_save

        from fgdm.models import FamilyPlan, Meeting
        from network_packages.models import SupportPackage
        from process.flows import _forget

        # What the flow's gateways read during a step is read again once those rows change.
        for model in (Meeting, FamilyPlan, SupportPackage):
            for signal in (post_save, post_delete):
                signal.connect(_forget, sender=model, dispatch_uid=f"process.forget.{model._meta.label_lower}")
