"""Every write and state change of the money side, one function each. Split by aggregate; import
them from here."""

from payments.services.bank_details import (  # noqa: F401
    bank_account_set,
    bank_account_verify,
    normalise_sort_code,
    supplier_bank_account_set,
    supplier_bank_account_verify,
)
from payments.services.batches import (  # noqa: F401
    batch_approve,
    batch_confirm,
    batch_create,
    batch_export,
    batch_export_file,
    ensure_can_approve_batch,
    find_duplicates,
    payment_period,
)
from payments.services.returns import (  # noqa: F401
    RETURNS_COLUMNS,
    RETURNS_MAX_BYTES,
    ReturnRow,
    parse_returns_file,
    returns_import,
)
from payments.services.schedule import (  # noqa: F401
    instalment_dates,
    payment_authorise,
    payment_cancel,
    payments_authorise_many,
    payments_cancel_unpaid,
    payments_pause,
    payments_schedule,
    payments_waiting_authorisation,
)
