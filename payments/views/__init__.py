"""Finance's pages, by aggregate. Each POST calls exactly one service; reads go through the selectors."""

from payments.views.bank_details import (  # noqa: F401
    bank_details,
    bank_details_verify,
)
from payments.views.batches import (  # noqa: F401
    batch_approve,
    batch_confirm,
    batch_detail,
    batch_download,
    batch_export,
    batch_list,
    batch_prepare,
    returns_import,
)
from payments.views.payments import (  # noqa: F401
    case_section,
    package_section,
    payment_authorise,
    payment_cancel,
    payment_detail,
    payment_list,
    payments_authorise,
)
from payments.views.reports import (  # noqa: F401
    budgets,
    transparency,
)
from payments.views.suppliers import (  # noqa: F401
    supplier_bank_details,
    supplier_bank_details_verify,
    supplier_detail,
    supplier_list,
)
