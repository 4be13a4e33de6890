"""Written agreements: recording who signed the agreement of a package's version."""

import datetime

from django.db import transaction

from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm.permissions import ensure_can_work_case
from network_packages.constants import PackageStatus
from network_packages.documents import agreement_checksum
from network_packages.models import AgreementSignature, SupportPackage
from network_packages.services.packages import _lock_package

# A withdrawn or ended version is not in force: there is nothing left to agree to.
NOT_SIGNED = (PackageStatus.WITHDRAWN, PackageStatus.ENDED)


@transaction.atomic
def agreement_record_signature(
    *, package_id: int, by, signed_by_name: str, signed_as: str, signed_on: datetime.date | None
) -> AgreementSignature:
    """Record that someone signed the written agreement of this version of the package, against its
    version number and the SHA-256 of its terms as they render now (network_packages.documents): a
    later version, or a draft changed afterwards, needs signing again.

    Raises NotPermitted (not the case's practitioner), InvalidTransition (the version is withdrawn
    or ended; this person's signature of these terms is already recorded), RuleBroken (no name, no
    role or relationship, no date, a date in the future or before the case opened).
    """
    package: SupportPackage = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    if package.status in NOT_SIGNED:
        raise InvalidTransition(
            f"This version of the package is {package.get_status_display().lower()}: its agreement is not "
            "signed any more."
        )
    name = bounds.ensure_name(
        signed_by_name,
        field="signed_by_name",
        label="name of the person who signed",
        max_length=bounds.max_length_of(AgreementSignature, "signed_by_name"),
    )
    signed_as = bounds.ensure_name(
        signed_as,
        field="signed_as",
        label="relationship to the child or role",
        max_length=bounds.max_length_of(AgreementSignature, "signed_as"),
    )
    if signed_on is None:
        raise RuleBroken("Give the day the agreement was signed.", field="signed_on")
    bounds.ensure_past_date(
        signed_on,
        field="signed_on",
        what="The day the agreement was signed",
        earliest=package.case.opened_on or bounds.EARLIEST_RECORD,
    )
    checksum = agreement_checksum(package)
    if package.agreement_signatures.filter(agreement_checksum=checksum, signed_by_name__iexact=name).exists():
        raise InvalidTransition(f"{name}'s signature of this agreement is already recorded.")
    signature = AgreementSignature(
        package=package,
        package_version=package.version,
        agreement_checksum=checksum,
        signed_by_name=name,
        signed_as=signed_as,
        signed_on=signed_on,
        recorded_by=by,
    )
    signature.full_clean()
    signature.save()
    # The name stays in the signature (and goes with the case's records under retention); the
    # trail keeps what was signed, as whom and when.
    record_event(
        obj=package,
        action="agreement_signed",
        by=by,
        case_id=package.case_id,
        changes={
            "package_version": package.version,
            "signed_as": signed_as,
            "signed_on": signed_on.isoformat(),
            "agreement_checksum": checksum,
        },
    )
    return signature
