"""Pages of the case side, by aggregate. Each POST calls exactly one service; reads go through the
selectors; a service's refusal (DomainError) is shown on the form and nothing changes."""

from fgdm.views.casefiles import (  # noqa: F401
    case_document_new,
    case_note_new,
    case_notes,
    document_download,
    note_correct,
)
from fgdm.views.cases import (  # noqa: F401
    case_allocate,
    case_bottom_lines,
    case_close,
    case_consent,
    case_consent_withdraw,
    case_decline,
    case_detail,
    case_edit,
    case_flow_map,
    case_list,
    case_map,
    case_map_page,
    case_new,
    case_reassign,
    case_reopen,
    case_review,
    case_stage,
    child_wishes,
    member_new,
    open_tasks,
)
from fgdm.views.corrections import (  # noqa: F401
    child_birth,
    child_edit,
    child_new,
    child_remove,
    member_edit,
    member_messages,
    member_remove,
)
from fgdm.views.meetings import (  # noqa: F401
    meeting_cancel,
    meeting_detail,
    meeting_new,
    meeting_prepare,
    meeting_reconvene,
    meeting_record,
    meeting_reschedule,
    member_preparation,
)
from fgdm.views.needs import (  # noqa: F401
    advocacy_answer,
    child_advocacy,
    member_advocacy,
    member_exclusion,
    member_exclusion_sign_off,
    outcome_record,
    outcomes_due,
)
from fgdm.views.plans import (  # noqa: F401
    action_done,
    plan_accept,
    plan_detail,
    plan_return,
    plan_revise,
)
from fgdm.views.pre_proceedings import (  # noqa: F401
    PRE_PROCEEDINGS_STEPS,
    pre_proceedings,
    pre_proceedings_step,
)
from fgdm.views.profile import (  # noqa: F401
    profile,
)
