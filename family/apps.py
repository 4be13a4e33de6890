from django.apps import AppConfig


class FamilyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "family"
    verbose_name = "The family's own view of its plan"

    def ready(self):
        from audit.labels import register_state_labels
        from core.pages import add_section
        from family.constants import LinkStatus
        from family.views import member_section

        register_state_labels(LinkStatus.choices)
        # The network member's messages page (fgdm) shows the links to the plan sent to them.
        add_section("member_messages", template="family/sections/member_links.html", context=member_section)

        from audit import sar
        from audit.retention import register
        from family.records import FamilyLinkRecords, collect

        register(FamilyLinkRecords())
        sar.register(collect)
