"""Retention of support packages (registered with audit.retention from the app's ready()).

A package is kept as long as its case (fgdm.retention: the case's class and destroy-after date, and
its legal holds). When the case is anonymised, what was written about the family in its packages
goes too: the justification, why a version was returned, approvers' notes, review notes and what
each item is for. Amounts, categories, states, tiers, dates and who decided stay, so the money's
trail still adds up. Their field history loses the same free text (audit.redaction).

A written agreement's signature names who signed, so it goes with the case's records too: the
signer's name is removed. What was signed (the version, the checksum of its terms), as whom and
when stay, as the package's do.
"""

from audit.retention import Due
from fgdm.retention import REMOVED, CaseRecords
from network_packages.models import (
    AgreementSignature,
    Approval,
    PackageItem,
    PackageReview,
    PackageSafetyAnswer,
    PayeeCheck,
    SupportPackage,
)


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
        for model in (PackageItem, Approval, PackageReview, PackageSafetyAnswer):
            label = f"network_packages.{model._meta.model_name}"
            for pk in model.objects.filter(package_id=due.object_id).values_list("pk", flat=True):
                yield label, pk

    def destroy(self, due: Due):
        package = SupportPackage.objects.select_for_update().get(pk=due.object_id)
        package.justification = REMOVED
        # A returned version keeps a reason (a constraint): its words go, the fact stays.
        package.return_reason = REMOVED if package.return_reason else ""
        # Waived means keep a reason (a constraint), as a returned version does.
        package.means_reason = REMOVED if package.means_reason else ""
        package.save(update_fields=["justification", "return_reason", "means_reason"])
        PackageSafetyAnswer.objects.filter(package=package).update(detail=REMOVED)
        PackageItem.objects.filter(package=package).update(description=REMOVED)
        Approval.objects.filter(package=package).exclude(note="").update(note=REMOVED)
        PackageReview.objects.filter(package=package).update(notes=REMOVED)
        removed = [
            "the justification",
            "why the package was returned",
            "approvers' notes",
            "review notes",
            "what each item is for",
            "the reason given on means",
            "the answers' details to safety questions",
        ]
        package.refresh_from_db()
        return package, removed


class AgreementSignatures:
    name = "network_packages.agreementsignature"

    def due(self, *, today):
        for case_due in CaseRecords().due(today=today):
            signatures = (
                AgreementSignature.objects.filter(package__case_id=case_due.case_id)
                .exclude(signed_by_name=REMOVED)
                .select_related("package")
                .order_by("pk")
            )
            for signature in signatures:
                yield Due(
                    case_due.retention_class,
                    self.name,
                    signature.pk,
                    case_due.case_id,
                    case_due.destroy_after,
                    f"{case_due.description}: written agreement of package v{signature.package_version}",
                )

    def history_of(self, due: Due):
        yield self.name, due.object_id

    def destroy(self, due: Due):
        signature = AgreementSignature.objects.select_for_update().get(pk=due.object_id)
        signature.signed_by_name = REMOVED
        signature.save(update_fields=["signed_by_name"])
        return signature, ["the name of the person who signed the written agreement"]


class PayeeChecks:
    """The checks recorded on a paid carer (DBS, viability) go with the case's records: their
    certificate reference and notes are removed; the kind, outcome and date stay, as the decision
    they allowed does."""

    name = "network_packages.payeecheck"

    def due(self, *, today):
        for case_due in CaseRecords().due(today=today):
            checks = (
                PayeeCheck.objects.filter(member__case_id=case_due.case_id)
                .exclude(reference=REMOVED, notes=REMOVED)
                .order_by("pk")
            )
            for check in checks.only("pk"):
                yield Due(
                    case_due.retention_class,
                    self.name,
                    check.pk,
                    case_due.case_id,
                    case_due.destroy_after,
                    f"{case_due.description}: a check on a paid carer",
                )

    def history_of(self, due: Due):
        yield self.name, due.object_id

    def destroy(self, due: Due):
        check = PayeeCheck.objects.select_for_update().get(pk=due.object_id)
        check.reference = REMOVED
        check.notes = REMOVED
        check.save(update_fields=["reference", "notes"])
        return check, ["the check's certificate reference and notes"]
