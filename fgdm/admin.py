"""Django admin for administrators: reference data to edit, casework to look at only.

Localities, family hubs and teams are reference data and can be edited here; a team is saved through
the team services, which hold its rules. Cases, network members, meetings and plans are read-only:
every state change goes through the domain services (pages and API), which check the rules and
write the audit trail.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model

from core.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyModelAdmin,
    ReadOnlyTabularInline,
    ServiceModelAdmin,
    ServiceModelForm,
)
from fgdm.models import (
    Case,
    CaseUserObjectPermission,
    DeclaredConflict,
    FamilyHub,
    FamilyPlan,
    LocalAllianceGroup,
    Locality,
    Meeting,
    NetworkMember,
    PlanAction,
    Team,
)
from fgdm.services import team_create, team_update

admin.site.site_header = "FGDM administration"
admin.site.site_title = "FGDM admin"
admin.site.index_title = "Reference data and read-only records"


# -- reference data (editable) -------------------------------------------------------------


class FamilyHubInline(admin.TabularInline):
    model = FamilyHub
    extra = 0
    fields = ("name", "kind", "lead_organisation", "designated", "status", "status_as_at")


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "hub_count")
    search_fields = ("name", "code")
    inlines = [FamilyHubInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_hubs=Count("hubs"))

    @admin.display(description="Family hubs", ordering="_hubs")
    def hub_count(self, obj):
        return obj._hubs

    def has_delete_permission(self, request, obj=None):
        # Cases and hubs hold on to their locality (PROTECT); an unused one may go.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.cases.exists())


@admin.register(FamilyHub)
class FamilyHubAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "locality", "lead_organisation", "designated", "status", "status_as_at", "source")
    list_filter = ("kind", "status", "locality")
    search_fields = ("name", "lead_organisation", "source")
    list_select_related = ("locality",)


@admin.register(LocalAllianceGroup)
class LocalAllianceGroupAdmin(admin.ModelAdmin):
    """The Strategic Alliance's Local Alliance Groups: the dashboard's filter groups cases by them,
    through the localities each covers. `source` says which public document a row follows — or that
    it was derived (see process/reference/README.md)."""

    list_display = ("name", "code", "covered_localities", "source")
    search_fields = ("name", "code")
    filter_horizontal = ("localities",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("localities")

    @admin.display(description="Localities")
    def covered_localities(self, obj):
        return ", ".join(locality.name for locality in obj.localities.all())


class TeamForm(ServiceModelForm):
    class Meta:
        model = Team
        fields = ("name", "code", "localities", "members", "managers")
        help_texts = {
            "members": "Practitioners and FGC coordinators: they see the cases of the localities the team serves.",
            "managers": "Team managers (or service managers, heads of service): they allocate the team's cases.",
        }

    def save_through_service(self, *, by):
        data = self.cleaned_data
        fields = {key: data[key] for key in ("name", "code", "localities", "members", "managers")}
        if self.instance.pk:
            return team_update(team_id=self.instance.pk, by=by, **fields)
        return team_create(by=by, **fields)


@admin.register(Team)
class TeamAdmin(ServiceModelAdmin):
    """Team membership decides who sees which cases (rule 1): the team services check the rules and
    record each change as a domain event; this admin calls them."""

    form = TeamForm
    list_display = ("name", "code", "served_localities")
    search_fields = ("name", "code")
    filter_horizontal = ("localities", "members", "managers")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("localities")

    @admin.display(description="Serves")
    def served_localities(self, obj):
        return ", ".join(locality.name for locality in obj.localities.all())

    def has_delete_permission(self, request, obj=None):
        return False  # no service deletes a team: its cases and its trail name it; change its members instead

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("members", "managers"):
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# -- casework (read-only) ------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = (
        "reference",
        "family_name",
        "locality",
        "team",
        "lead_practitioner",
        "stage",
        "status",
        "opened_on",
        "closed_on",
    )
    list_filter = ("status", "stage", "locality")
    search_fields = ("reference", "family_name")
    list_select_related = ("locality", "team", "lead_practitioner")
    date_hierarchy = "opened_on"


@admin.register(NetworkMember)
class NetworkMemberAdmin(ReadOnlyModelAdmin):
    list_display = ("full_name", "relationship", "case", "is_parent", "has_parental_responsibility", "payment_eligible")
    list_filter = ("relationship", "is_parent", "has_parental_responsibility")
    search_fields = ("full_name", "case__reference")
    list_select_related = ("case",)

    @admin.display(boolean=True, description="Payment-eligible")
    def payment_eligible(self, obj):
        return obj.payment_eligible


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyModelAdmin):
    list_display = ("case", "model", "status", "scheduled_for", "venue", "coordinator", "held_on")
    list_filter = ("model", "status")
    search_fields = ("case__reference", "venue")
    list_select_related = ("case", "coordinator")


class PlanActionInline(ReadOnlyTabularInline):
    model = PlanAction
    fields = ("description", "owner_member", "owner_text", "due_by", "status")
    show_change_link = False


@admin.register(FamilyPlan)
class FamilyPlanAdmin(ReadOnlyModelAdmin):
    list_display = ("case", "version", "status", "agreed_on", "review_by", "decided_by")
    list_filter = ("status",)
    search_fields = ("case__reference",)
    list_select_related = ("case", "decided_by")
    inlines = [PlanActionInline]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "case", "member", "declared_at")
    search_fields = ("user__username", "case__reference")
    list_select_related = ("user", "case", "member")


@admin.register(CaseUserObjectPermission)
class CaseGrantAdmin(ReadOnlyModelAdmin):
    """Per-case grants (lead practitioner, FGC coordinator); the services give and take them."""

    list_display = ("content_object", "user", "permission")
    search_fields = ("user__username", "content_object__reference")
    list_select_related = ("content_object", "user", "permission")


# -- the workflow engine's own records (read-only) -----------------------------------------
# viewflow registers editable admins for its processes and tasks; editing or deleting a task
# there would move a case without the services' checks and audit events, so they are read-only.
from viewflow.workflow import admin as viewflow_admin  # noqa: E402
from viewflow.workflow.models import Process, Task  # noqa: E402


class ReadOnlyProcessAdmin(ReadOnlyAdminMixin, viewflow_admin.ProcessAdmin):
    show_full_result_count = False


class ReadOnlyTaskAdmin(ReadOnlyAdminMixin, viewflow_admin.TaskAdmin):
    show_full_result_count = False


for _model, _admin in ((Process, ReadOnlyProcessAdmin), (Task, ReadOnlyTaskAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
