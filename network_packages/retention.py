"""Retention of support packages' free text (registered with audit.retention from the app's ready()).

A package is kept as long as its case (fgdm.retention: the case's class and destroy-after date, and
its legal holds). When the case is anonymised, what was written about the family in its packages
goes too: the justification, why a version was returned, approvers' notes, review notes and what
each item is for. Amounts, categories, states, tiers, dates and who decided stay, so the money's
trail still adds up. Their field history loses the same free text (audit.redaction).
"""

from audit.retention import Due
from fgdm.retention import CaseRecords
from network_packages.models import Approval, PackageItem, PackageReview, SupportPackage

REMOVED = "Removed"


class PackageFreeText:
    name = "network_packages.supportpackage"

    def due(self, *, today):
        for case_due in CaseRecords().due(today=today):
            packages = SupportPackage.objects.filter(case_id=case_due.object_id).order_by("pk")
            for package in packages.only("pk", "version"):
                yield Due(
                    case_due.retention_class,
                    "network_packages.supportpackage",
                    package.pk,
                    case_due.case_id,
                    case_due.destroy_after,
                    f"support package v{package.version} of {case_due.description}",
                )

    def history_of(self, due: Due):
        yield "network_packages.supportpackage", due.object_id
        for model in (PackageItem, Approval, PackageReview):
            label = f"network_packages.{model._meta.model_name}"
            for pk in model.objects.filter(package_id=due.object_id).values_list("pk", flat=True):
                yield label, pk

    def destroy(self, due: Due):
        package = SupportPackage.objects.select_for_update().get(pk=due.object_id)
        package.justification = REMOVED
        # A returned version keeps a reason (a constraint): its words go, the fact stays.
        package.return_reason = REMOVED if package.return_reason else ""
        package.save(update_fields=["justification", "return_reason"])
        PackageItem.objects.filter(package=package).update(description=REMOVED)
        Approval.objects.filter(package=package).exclude(note="").update(note=REMOVED)
        PackageReview.objects.filter(package=package).update(notes=REMOVED)
        removed = [
            "the justification",
            "why the package was returned",
            "approvers' notes",
            "review notes",
            "what each item is for",
        ]
        package.refresh_from_db()
        return package, removed
