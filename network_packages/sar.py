"""Written agreements' signatures for a subject access request (registered with audit.sar from
NetworkPackagesConfig.ready()): a network member gets the signatures in their name on their case; a
child the signatures of their case's agreements, whose signers are marked for review."""

from audit.sar import Record, Section, Subject
from network_packages.models import AgreementSignature

THIRD_SIGNER = "third party: someone who signed the family's agreement"


def collect(subject: Subject) -> list[Section]:
    if subject.kind not in ("child", "member") or subject.case_id is None:
        return []
    signatures = AgreementSignature.objects.filter(package__case_id=subject.case_id).order_by("signed_on", "id")
    if subject.kind == "member":
        signatures = [s for s in signatures if s.signed_by_name.casefold() == subject.name.casefold()]
    section = Section("Written agreements signed", "signatures of support packages' written agreements")
    for signature in signatures:
        redact = THIRD_SIGNER if subject.kind == "child" else ""
        section.records.append(
            Record(f"Written agreement of package version {signature.package_version}")
            .add("Signed by", signature.signed_by_name, redact)
            .add("As", signature.signed_as, redact)
            .add("Signed on", signature.signed_on)
            .add("Checksum of the terms signed", signature.agreement_checksum)
        )
    return [section] if section.records else []
