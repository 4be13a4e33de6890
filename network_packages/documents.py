"""The written agreement of a support package (kinship care guidance 2024), as a printable page and
a PDF from one template (core.documents): what is paid, to whom, how much, how often, for how long,
the review date, what happens if circumstances change, and lines to sign.

The agreement's terms are rendered on their own (`network_packages/documents/agreement_terms.html`)
and their SHA-256 is what a signature is recorded against (services.agreement_record_signature):
a later version of the package, or a draft changed after signing, has other terms and shows as not
signed. Also the support agreed, as the family's plan document shows it (a section of the page
"plan_document", core.pages.add_section).
"""

import datetime
import hashlib

from dateutil.relativedelta import relativedelta
from django.template.loader import render_to_string

from core.documents import Document, pounds, render, uk_date
from network_packages.constants import Frequency, PackageStatus
from network_packages.models import PackageItem, SupportPackage

TERMS_TEMPLATE = "network_packages/documents/agreement_terms.html"
STEP = {Frequency.WEEKLY: relativedelta(weeks=1), Frequency.MONTHLY: relativedelta(months=1)}
UNIT = {Frequency.WEEKLY: ("week", "weeks"), Frequency.MONTHLY: ("month", "months")}


def _payee(item: PackageItem) -> tuple[str, str]:
    """(name, relationship or what a supplier supplies) of whoever is paid."""
    if item.payee_id:
        return item.payee.full_name, item.payee.get_relationship_display().lower()
    return item.supplier.name, item.supplier.supplies


def _first_payment(item: PackageItem, package: SupportPackage) -> datetime.date | None:
    return item.starts_on or package.agreement_signed_on


def item_terms(item: PackageItem, package: SupportPackage) -> dict:
    """One item in plain words: what, to whom, how much, how often, for how long."""
    name, relationship = _payee(item)
    first = _first_payment(item, package)
    if item.frequency == Frequency.ONE_OFF:
        how_often, how_long = "Once", "A single payment"
        last = first
    else:
        one, many = UNIT[item.frequency]
        how_often = f"Every {one}"
        how_long = f"{item.instalments} {one if item.instalments == 1 else many}"
        last = first + STEP[item.frequency] * (item.instalments - 1) if first else None
    if first and last and last != first:
        how_long += f", from {uk_date(first)} to {uk_date(last)}"
    elif first:
        how_long += f", on {uk_date(first)}" if item.frequency == Frequency.ONE_OFF else f", from {uk_date(first)}"
    return {
        "what": item.description,
        "category": item.get_category_display().lower(),
        "to": name,
        "relationship": relationship,
        "amount": pounds(item.amount),
        "how_often": how_often,
        "payments": item.instalments,
        "how_long": how_long,
        "total": pounds(item.total),
    }


def _items(package: SupportPackage) -> list[PackageItem]:
    return list(package.items.select_related("payee", "supplier").order_by("id"))


def _signers(items: list[PackageItem]) -> list[dict]:
    """Lines to sign: each person in the family's network who is paid, then the practitioner."""
    seen, lines = set(), []
    for item in items:
        if item.payee_id and item.payee_id not in seen:
            seen.add(item.payee_id)
            lines.append({"name": item.payee.full_name, "as": item.payee.get_relationship_display().lower()})
    lines.append({"name": "", "as": "family help practitioner, for the council"})
    return lines


def _terms_context(package: SupportPackage, items: list[PackageItem]) -> dict:
    case = package.case
    children = [c.first_name for c in case.children.current().order_by("id") if c.first_name]
    return {
        "package": package,
        "family": f"the {case.family_name} family",
        "children": ", ".join(children[:-1]) + f" and {children[-1]}" if len(children) > 1 else "".join(children),
        "reference": case.reference,
        "items": [item_terms(item, package) for item in items],
        "total": pounds(package.total),
        "review_by": uk_date(package.review_by),
        "plan_version": package.plan.version,
        "plan_agreed_on": uk_date(package.plan.agreed_on),
        "signers": _signers(items),
    }


def agreement_checksum(package: SupportPackage) -> str:
    """SHA-256 of the agreement's terms as they render now: what a signature is for."""
    terms = render_to_string(TERMS_TEMPLATE, _terms_context(package, _items(package)))
    return hashlib.sha256(terms.encode("utf-8")).hexdigest()


def signature_state(package: SupportPackage) -> dict:
    """Who signed these terms, and whether signatures were given for terms since changed."""
    checksum = agreement_checksum(package)
    signatures = list(package.agreement_signatures.order_by("signed_on", "id"))
    current = [s for s in signatures if s.agreement_checksum == checksum]
    return {
        "checksum": checksum,
        "signatures": current,
        "signed": bool(current),
        "stale": [s for s in signatures if s.agreement_checksum != checksum],
    }


def agreement_document(*, package: SupportPackage) -> Document:
    """The written agreement of this version of the package, with who signed it (or that it is not
    signed yet). The caller has fetched `package` through a selector for the reader."""
    items = _items(package)
    context = _terms_context(package, items)
    state = signature_state(package)
    context.update(
        terms_template=TERMS_TEMPLATE,
        signatures=[
            {"name": s.signed_by_name, "as": s.signed_as, "on": uk_date(s.signed_on)} for s in state["signatures"]
        ],
        needs_signing_again=bool(state["stale"]) and not state["signed"],
        not_in_force=package.status in (PackageStatus.WITHDRAWN, PackageStatus.ENDED),
        draft=package.status in (PackageStatus.DRAFT, PackageStatus.RETURNED, PackageStatus.SUBMITTED),
        checksum=state["checksum"],
    )
    return render(
        "network_packages/documents/agreement.html",
        context,
        title=f"Written agreement for support, version {package.version}",
        filename=f"written-agreement-{package.case.reference}-v{package.version}",
    )


def plan_support_section(request, *, plan, case, **objects) -> dict | None:
    """The support agreed, for the family's plan document: the approved packages of the case agreed
    for this plan or an earlier version of it, in plain words. None when there are none (the plan
    document then says why)."""
    from network_packages.selectors import package_list

    packages = [
        p
        for p in package_list(user=request.user, case_id=case.pk).filter(
            status=PackageStatus.APPROVED, plan__version__lte=plan.version
        )
    ]
    if not packages:
        return None
    return {
        "packages": [
            {
                "version": p.version,
                "review_by": uk_date(p.review_by),
                "items": [item_terms(item, p) for item in _items(p)],
                "total": pounds(p.total),
            }
            for p in packages
        ]
    }
