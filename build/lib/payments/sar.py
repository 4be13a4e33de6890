"""Support packages and payments held about a child's case or a payee, for a subject access request
(registered with audit.sar from PaymentsConfig.ready())."""

from audit.sar import Record, Section, Subject
from network_packages.models import PackageItem
from payments.models import BankAccount, Payment

THIRD_PAYEE = "third party: a payee"


def collect(subject: Subject) -> list[Section]:
    if subject.kind not in ("child", "member"):
        return []
    money = Section("Support and payments", "support packages and payments")
    items = PackageItem.objects.select_related("package", "payee", "supplier").order_by("package__version", "id")
    items = (
        items.filter(payee_id=subject.id)
        if subject.kind == "member"
        else items.filter(package__case_id=subject.case_id)
    )
    for item in items:
        # A member of the network is a third party to the child; a supplier is a business, named as it is.
        redact = "" if subject.kind == "member" or item.supplier_id else THIRD_PAYEE
        money.records.append(
            Record(f"Package version {item.package.version}: {item.description}")
            .add("Status", item.package.get_status_display())
            .add("Category", item.get_category_display())
            .add("Paid to", item.paid_to.full_name, redact)
            .add("Amount", f"£{item.amount}")
            .add("Frequency", item.get_frequency_display())
            .add("Instalments", item.instalments)
            .add("Why", item.package.justification, "may name third parties")
        )
    if subject.kind == "member":
        account = BankAccount.objects.filter(member_id=subject.id).first()
        if account is not None:
            money.records.append(
                Record("Your bank details")
                .add("Account name", account.account_name)
                .add("Sort code", account.masked_sort_code)
                .add("Account number", account.masked_account_number)
                .add("Verified", account.is_verified)
            )
        for payment in Payment.objects.filter(payee_id=subject.id).order_by("due_on", "id"):
            money.records.append(
                Record(f"Payment {payment.reference}")
                .add("Amount", f"£{payment.amount}")
                .add("Due", payment.due_on)
                .add("Status", payment.get_status_display())
            )
    return [money]
