"""Retention of written agreements' signatures (registered with audit.retention from
NetworkPackagesConfig.ready()): a signature names who signed, so it goes with the case's records —
when the case is due under its retention class (fgdm.retention), the signer's name is removed. What
was signed (the version, the checksum of its terms), as whom and when stay, as the package's do."""

from audit.retention import Due
from fgdm.retention import REMOVED, CaseRecords
from network_packages.models import AgreementSignature


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

    def destroy(self, due: Due):
        signature = AgreementSignature.objects.select_for_update().get(pk=due.object_id)
        signature.signed_by_name = REMOVED
        signature.save(update_fields=["signed_by_name"])
        return signature, ["the name of the person who signed the written agreement"]
