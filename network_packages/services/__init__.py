"""Every write and state change of support packages, approval limits, budgets and the register of
suppliers, one function each. Split by aggregate; import them from here."""

from network_packages.services.agreements import agreement_record_signature  # noqa: F401
from network_packages.services.approvals import (  # noqa: F401
    approver_limit,
    ensure_can_decide,
    package_approve,
    package_return,
    package_submit,
    payee_rules_refusals,
    required_tier,
)
from network_packages.services.budgets import budget_set  # noqa: F401
from network_packages.services.limits import approval_limit_set  # noqa: F401
from network_packages.services.packages import (  # noqa: F401
    ItemInput,
    SafetyAnswerInput,
    package_create,
    package_end,
    package_is_editable,
    package_pause,
    package_review,
    package_revise,
    package_update,
    package_withdraw,
    packages_close_with_case,
)
from network_packages.services.payees import (  # noqa: F401
    payee_check_record,
    payee_facts_set,
    payee_policy_set,
)
from network_packages.services.suppliers import (  # noqa: F401
    SUPPLIER_FIELDS,
    supplier_create,
    supplier_update,
)
