from django.apps import AppConfig


class FgdmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fgdm"
    verbose_name = "Family Group Decision Making"

    def ready(self):
        from audit.labels import register_state_labels
        from fgdm.constants import (
            ActionStatus,
            CaseStatus,
            ExclusionStatus,
            MeetingStatus,
            Outcome,
            PlanStatus,
            Stage,
        )

        register_state_labels(
            CaseStatus.choices,
            MeetingStatus.choices,
            PlanStatus.choices,
            ActionStatus.choices,
            Outcome.choices,
            Stage.choices,  # a change of stage is on the trail as a move from one stage to another
            ExclusionStatus.choices,
        )

        from django.core import checks

        from fgdm.checks import check_s31za_commencement

        checks.register(check_s31za_commencement, "fgdm")

        from fgdm.sso import check_settings as check_sso_settings

        checks.register(check_sso_settings, "fgdm")

        from audit.retention import register
        from fgdm.retention import CaseRecords

        register(CaseRecords())

        from fgdm.needs_records import NeedsAndOutcomesRecords

        register(NeedsAndOutcomesRecords())

        from fgdm.casefile_records import CaseFileRecords

        register(CaseFileRecords())

        from audit import sar
        from fgdm.sar import child_subject, collect, member_subject

        sar.register_subject("child", child_subject)
        sar.register_subject("member", member_subject)
        sar.register(collect)

        from fgdm.needs_records import collect as collect_needs

        sar.register(collect_needs)

        from fgdm.casefile_records import collect as collect_case_file

        sar.register(collect_case_file)
