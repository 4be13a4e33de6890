"""Every write and state change of the case side, one function each (lock, check, change, one audit
event, tell the process). Split by aggregate; import them from here."""

from fgdm.services.advocacy import (  # noqa: F401
    advocacy_offer_answer,
    advocacy_offer_record,
)
from fgdm.services.cases import (  # noqa: F401
    ChildInput,
    case_allocate,
    case_change_stage,
    case_create,
    case_reassign,
    case_record_consent,
    case_review,
    case_set_bottom_lines,
    case_transfer,
    case_update,
    case_withdraw_consent,
    child_record_wishes,
    conflict_declare,
    ensure_born,
    ensure_child_details,
    ensure_may_change_stage,
    member_add,
    practitioner_by_username,
    reviews_escalate_overdue,
    working_days_between,
)
from fgdm.services.children import (  # noqa: F401
    child_add,
    child_remove,
    child_update,
)
from fgdm.services.closing import (  # noqa: F401
    case_close,
    case_decline,
    case_reopen,
    ensure_may_close,
    ensure_may_decline,
    ensure_may_reopen,
    reopen_until,
    resume_status,
)
from fgdm.services.meetings import (  # noqa: F401
    arranged_meeting,
    ensure_may_arrange,
    ensure_may_cancel,
    ensure_may_reconvene,
    ensure_may_reschedule,
    ensure_meeting_date,
    meeting_cancel,
    meeting_prepare,
    meeting_reconvene,
    meeting_record,
    meeting_reschedule,
    meeting_schedule,
    member_record_preparation,
)
from fgdm.services.network import (  # noqa: F401
    ensure_may_propose_exclusion,
    ensure_may_sign_off_exclusion,
    member_exclusion_propose,
    member_exclusion_sign_off,
    member_messages_set,
    member_remove,
    member_update,
)
from fgdm.services.notes import (  # noqa: F401
    case_document_upload,
    case_document_upload_file,
    case_note_correct,
    case_note_write,
)
from fgdm.services.outcomes import (  # noqa: F401
    ensure_may_record_outcome,
    outcome_due_on,
    outcome_record,
)
from fgdm.services.plans import (  # noqa: F401
    ActionInput,
    action_mark_done,
    plan_accept,
    plan_return,
    plan_revise,
)
from fgdm.services.pre_proceedings import (  # noqa: F401
    duty_commencement,
    duty_in_force,
    duty_position,
    pre_proceedings_record_answer,
    pre_proceedings_record_application,
    pre_proceedings_record_exemption,
    pre_proceedings_record_intention,
    pre_proceedings_record_offer,
)
from fgdm.services.sso import (  # noqa: F401
    CouncilAccess,
    CouncilIdentity,
    sso_sign_in,
)
from fgdm.services.teams import (  # noqa: F401
    team_create,
    team_update,
)
