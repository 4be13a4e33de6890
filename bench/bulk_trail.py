"""The work and the trail behind bulk cases: viewflow processes and tasks, audit events and field history.

`bench.bulk_cases` writes cases, meetings, plans, packages and payments in bulk. This module adds,
for each case of a chunk, what the services would have left behind, built from those rows:

- a viewflow Process of the case flow and its Tasks, in the shape a real run leaves them (checked
  against the tasks `seed_demo` makes through the services): the three branches the flow splits
  into when the case opens (casework, package approval, closing), finished tasks behind the
  current one, the open task at the node the case is at, owned by whoever the flow assigns it to
  (the lead practitioner, the conference's coordinator) or unassigned in the queue of a role
  (allocation for the team manager, approval for the tier the package waits at, authorisation for
  finance), timers scheduled for the review dates, and closed cases' processes finished once the
  reopening period has passed;
- audit rows: one domain event per state change (the actions the services record: case_referred,
  case_allocated, meeting_scheduled, meeting_held, plan_agreed, plan_accepted, package_submitted,
  package_approved, case_closed …) and field history (auditlog entries: the case, its meetings,
  plans and packages created, the case's status changes), written sealed: each chained in order
  exactly as the sequencer (audit.sealing) would chain it (`audit.chain.link_hash`), holding the
  same chain locks (`Chains`), so `manage.py verify_audit` accepts the chains.

Approximations, said plainly: only the newest package of a case drives the approval branch (an
earlier version changed after approval leaves no tasks of its own); a cancelled meeting before a
held one leaves no tasks; the children's outcome checks, pre-proceedings and bank details have no
events. No access log rows (nobody has read these cases).
"""

import datetime

STATUS_DONE, STATUS_NEW, STATUS_ASSIGNED = "DONE", "NEW", "ASSIGNED"
STATUS_CANCELED, STATUS_SCHEDULED, STATUS_STARTED = "CANCELED", "SCHEDULED", "STARTED"
APPROVE_PERMISSION = {
    "team_manager": "network_packages.approve_team_manager_tier",
    "service_manager": "network_packages.approve_service_manager_tier",
    "head_of_service": "network_packages.approve_head_of_service_tier",
}
APPROVE_NODE = {
    "team_manager": "approve_team_manager",
    "service_manager": "approve_service_manager",
    "head_of_service": "approve_head_of_service",
}


def trail_models():
    """The tables this module writes, split into those inserted before the cases (their processes)
    and after everything else (tasks and the trail)."""
    from django.contrib.contenttypes.models import ContentType  # noqa: F401  (loaded with the apps)
    from viewflow.workflow.models import Process, Task

    from audit.models import DomainEvent, LogEntry

    return [Process], [Task, Task.previous.through, DomainEvent, LogEntry]


class Chains:
    """The running ends of the two audit chains this module appends to (domain events and field
    history). Its records are sealed here, in memory, as they are built, not by the sequencer
    (audit.sealing): so, from the first record of a chunk until its heads are moved, it holds the
    chains' advisory locks (`hold_chains`, the locks a sealer takes for each batch), and no sealer
    seals over it. Each chunk first lets what the services wrote meanwhile join the chain
    (`seal_chain`), then reads the heads afresh; `save_heads`, in the chunk's transaction, moves the
    heads and lets go (a sealer then waits on the head rows' locks until the chunk commits)."""

    def __init__(self):
        from audit.models import DomainEvent, LogEntry

        self.models = {DomainEvent.CHAIN: DomainEvent, LogEntry.CHAIN: LogEntry}
        self.ends = {}
        self.holding = False

    def _take(self) -> None:
        from audit.chain import GENESIS
        from audit.models import ChainHead
        from audit.sealing import hold_chains, seal_chain

        hold_chains(self.models, hold=True)
        self.holding = True
        for chain, model in self.models.items():
            seal_chain(model)  # records the services wrote before (this session holds the lock)
            head = ChainHead.objects.filter(pk=chain).first()
            self.ends[chain] = (head.seq, head.hash) if head else (0, GENESIS)

    def seal(self, records) -> None:
        """Give each record its position and hash, in the order given."""
        from audit.chain import link_hash

        if not self.holding:
            self._take()
        for record in records:
            chain = record.CHAIN
            seq, prev = self.ends[chain]
            record.seq, record.prev_hash = seq + 1, prev
            record.hash = link_hash(chain=chain, seq=record.seq, prev_hash=prev, record=record)
            self.ends[chain] = (record.seq, record.hash)

    def save_heads(self) -> None:
        from audit.models import ChainHead
        from audit.sealing import hold_chains

        for chain, (seq, hash_) in self.ends.items():
            ChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "hash": hash_})
        if self.holding:
            hold_chains(self.models, hold=False)
            self.holding = False


class Trail:
    """Adds the processes, tasks and audit rows of one chunk's cases to a Builder's rows."""

    def __init__(self, builder, chains: Chains, content_types: dict):
        self.b = builder
        self.chains = chains
        self.ct = content_types  # model -> ContentType
        self.events = []
        self.entries = []

    # -- the chunk -----------------------------------------------------------------------------

    def add_chunk(self) -> None:
        from collections import defaultdict

        from fgdm.models import Case, FamilyPlan, Meeting
        from network_packages.models import Approval, SupportPackage
        from payments.models import Payment

        rows = self.b.rows
        by_case = defaultdict(lambda: defaultdict(list))
        for model, key in ((Meeting, "meetings"), (FamilyPlan, "plans"), (SupportPackage, "packages")):
            for row in rows.get(model, []):
                by_case[row.case_id if row.case_id else row.case.pk][key].append(row)
        approvals = defaultdict(list)
        for row in rows.get(Approval, []):
            approvals[row.package.pk].append(row)
        unauthorised = {row.package.pk for row in rows.get(Payment, []) if row.status == "scheduled"}
        for case in rows.get(Case, []):
            related = by_case[case.pk]
            self.case(case, related, approvals, unauthorised)
        self.chains.seal(self.events)
        self.chains.seal(self.entries)
        self.b.rows[self._event_model()].extend(self.events)
        self.b.rows[self._entry_model()].extend(self.entries)

    @staticmethod
    def _event_model():
        from audit.models import DomainEvent

        return DomainEvent

    @staticmethod
    def _entry_model():
        from audit.models import LogEntry

        return LogEntry

    # -- one case ------------------------------------------------------------------------------

    def case(self, case, related, approvals, unauthorised) -> None:
        from viewflow.workflow.models import Process

        from process.flows import CaseFlow

        b = self.b
        opened = case.created_at
        process = b.add(Process, flow_class=CaseFlow, status=STATUS_NEW, created=opened, data={})
        case.process = process
        flow = _Flow(self, process, case)
        meetings = sorted(related["meetings"], key=lambda m: m.pk)
        plans = sorted(related["plans"], key=lambda p: p.version)
        packages = sorted(related["packages"], key=lambda p: p.version)
        manager = case.closed_by if case.status == "declined" else None
        referrer = case.referred_by
        self.event(case, "case_referred", referrer, opened, case_id=case.pk, to_state="referred")
        self.entry(case, 0, referrer, opened, {"reference": ["None", case.reference], "status": ["None", "referred"]})

        start = flow.task("start", STATUS_DONE, "start", [], at=opened)
        split = flow.task("case_open", STATUS_DONE, "start", [start], at=opened)
        main, pack, close = (f"start/{split.pk}_{n}" for n in (1, 2, 3))
        current = flow.task("resume_at", STATUS_DONE, main, [split], at=opened)
        package_wait = None  # the approval branch's open task
        close_wait = flow.task("close_request", STATUS_NEW, close, [split], at=opened)
        open_main = None

        team_manager = self._team_manager(case)
        if case.status == "referred":
            open_main = flow.task("allocate", STATUS_NEW, main, [current], at=opened, perm="fgdm.allocate_case")
        else:
            decided = b.at(case.opened_on + datetime.timedelta(days=b.rng.randint(0, 3)), 11)
            decided = min(decided, _now(b))
            manager = manager or team_manager
            current = flow.task(
                "allocate", STATUS_DONE, main, [current], at=decided, owner=manager, perm="fgdm.allocate_case"
            )
            current = flow.task("referral_decision", STATUS_DONE, main, [current], at=decided)
            if case.status == "declined":
                self.event(
                    case,
                    "referral_declined",
                    manager,
                    decided,
                    case_id=case.pk,
                    from_state="referred",
                    to_state="declined",
                    reason=case.close_note,
                )
                self.entry(case, 1, manager, decided, {"status": ["referred", "declined"]})
                current = flow.task("close_case", STATUS_DONE, main, [current], at=decided)
                flow.cancel(close_wait, decided)
                self._reopen_window(flow, current, main, case, decided, process)
                flow.task("package_submitted", STATUS_CANCELED, pack, [split], at=opened, finished=decided)
                return
            self.event(
                case,
                "case_allocated",
                manager,
                decided,
                case_id=case.pk,
                from_state="referred",
                to_state="allocated",
                changes={"lead_practitioner": case.lead_practitioner.username},
            )
            self.entry(case, 1, manager, decided, {"status": ["referred", "allocated"]})
            current, open_main = self._casework(flow, case, main, current, decided, meetings, plans, packages)
        package_wait = self._packages(flow, case, pack, split, packages, approvals, unauthorised, team_manager)

        if case.status == "closed":
            closed_at = b.at(case.closed_on, 16)
            by = case.closed_by
            for task in (open_main, package_wait):
                flow.cancel(task, closed_at)
            flow.done(close_wait, closed_at, owner=by)
            current = flow.task("close_case", STATUS_DONE, close, [close_wait], at=closed_at)
            self.event(case, "case_closed", by, closed_at, case_id=case.pk, to_state="closed", reason=case.close_reason)
            self.entry(case, 1, by, closed_at, {"status": ["open", "closed"], "close_reason": ["", case.close_reason]})
            self._reopen_window(flow, current, close, case, closed_at, process)

    def _team_manager(self, case):
        managers = self.b.w.managers[case.team.pk]
        return managers[case.pk % len(managers)]

    def _casework(self, flow, case, main, current, decided, meetings, plans, packages):
        """The casework branch up to its open task. Returns (last task, open task or None)."""
        b, lead = self.b, case.lead_practitioner
        live = [m for m in meetings if m.status != "cancelled"]
        for meeting in meetings:
            at = meeting.created_at
            self.event(meeting, "meeting_scheduled", lead, at, case_id=case.pk, to_state="scheduled")
            self.entry(meeting, 0, lead, at, {"model": ["None", meeting.model], "status": ["None", "scheduled"]})
            if meeting.status == "cancelled":
                at = meeting.cancelled_at or at
                self.event(
                    meeting,
                    "meeting_cancelled",
                    lead,
                    at,
                    case_id=case.pk,
                    from_state="scheduled",
                    to_state="cancelled",
                    reason=meeting.cancel_reason,
                )
        if not live:
            open_task = flow.task(
                "map_network", STATUS_ASSIGNED, main, [current], at=decided, owner=lead, perm="fgdm.work_case"
            )
            return open_task, open_task
        current = flow.task("map_network", STATUS_DONE, main, [current], at=decided, owner=lead, perm="fgdm.work_case")
        plans_by_meeting = {plan.meeting.pk: plan for plan in plans}
        for meeting in live:
            at = meeting.created_at
            current = flow.task("meeting_model", STATUS_DONE, main, [current], at=at)
            runner = meeting.coordinator or lead
            fgc = meeting.model == "fgc"
            if meeting.status != "held":
                node, perm = (
                    ("prepare_network", "fgdm.coordinate_conference") if fgc else ("hold_meeting", "fgdm.work_case")
                )
                open_task = flow.task(node, STATUS_ASSIGNED, main, [current], at=at, owner=runner, perm=perm)
                return open_task, open_task
            held = b.at(meeting.held_on, 12)
            if fgc:
                current = flow.task(
                    "prepare_network",
                    STATUS_DONE,
                    main,
                    [current],
                    at=at,
                    finished=held,
                    owner=runner,
                    perm="fgdm.coordinate_conference",
                )
                current = flow.task("meeting_outcome", STATUS_DONE, main, [current], at=held)
            current = flow.task(
                "hold_meeting", STATUS_DONE, main, [current], at=held, owner=runner, perm="fgdm.work_case"
            )
            current = flow.task("meeting_outcome", STATUS_DONE, main, [current], at=held)
            self.event(meeting, "meeting_held", runner, held, case_id=case.pk, from_state="scheduled", to_state="held")
            self.entry(
                meeting, 1, runner, held, {"status": ["scheduled", "held"], "held_on": ["None", str(meeting.held_on)]}
            )
            plan = plans_by_meeting.get(meeting.pk)
            if plan is None:
                break
            agreed = plan.created_at
            self.event(plan, "plan_agreed", runner, agreed, case_id=case.pk, to_state="agreed")
            self.entry(plan, 0, runner, agreed, {"version": ["None", str(plan.version)], "status": ["None", "agreed"]})
            if plan.status == "agreed":
                open_task = flow.task(
                    "accept_plan", STATUS_ASSIGNED, main, [current], at=agreed, owner=lead, perm="fgdm.work_case"
                )
                return open_task, open_task
            decided_at = plan.decided_at or agreed
            current = flow.task(
                "accept_plan",
                STATUS_DONE,
                main,
                [current],
                at=agreed,
                finished=decided_at,
                owner=lead,
                perm="fgdm.work_case",
            )
            current = flow.task("plan_decision", STATUS_DONE, main, [current], at=decided_at)
            if plan.status == "returned":
                self.event(
                    plan,
                    "plan_returned",
                    lead,
                    decided_at,
                    case_id=case.pk,
                    from_state="agreed",
                    to_state="returned",
                    reason=plan.return_reason,
                )
                open_task = flow.task(
                    "revise_plan", STATUS_ASSIGNED, main, [current], at=decided_at, owner=lead, perm="fgdm.work_case"
                )
                return open_task, open_task
            self.event(
                plan, "plan_accepted", lead, decided_at, case_id=case.pk, from_state="agreed", to_state="accepted"
            )
            self.entry(plan, 1, lead, decided_at, {"status": ["agreed", "accepted"]})
            current = flow.task("support_needed", STATUS_DONE, main, [current], at=decided_at)
            if plan.status == "superseded":  # its review date came and a review meeting was arranged
                review = b.at(plan.review_by, 9)
                current = flow.task("wait_for_review", STATUS_DONE, main, [current], at=decided_at, finished=review)
                current = flow.task(
                    "review", STATUS_DONE, main, [current], at=review, owner=lead, perm="fgdm.work_case"
                )
                current = flow.task("review_decision", STATUS_DONE, main, [current], at=review)
                continue
            package = packages[-1] if packages else None
            if package is not None and package.status == "draft":
                at = package.created_at
                self.event(package, "package_drafted", lead, at, case_id=case.pk, to_state="draft")
                open_task = flow.task(
                    "draft_package", STATUS_ASSIGNED, main, [current], at=at, owner=lead, perm="fgdm.work_case"
                )
                return open_task, open_task
            if package is not None:
                current = flow.task(
                    "draft_package",
                    STATUS_DONE,
                    main,
                    [current],
                    at=package.created_at,
                    owner=lead,
                    perm="fgdm.work_case",
                )
            timer = flow.task(
                "wait_for_review",
                STATUS_SCHEDULED,
                main,
                [current],
                at=current.created,
                scheduled=b.at(plan.review_by, 9),
            )
            return timer, timer
        return current, None

    def _packages(self, flow, case, pack, split, packages, approvals, unauthorised, team_manager):
        """The approval branch. Returns its open task (to cancel if the case closed) or None."""
        b, lead = self.b, case.lead_practitioner
        package = packages[-1] if packages else None
        for earlier in packages:
            self.entry(
                earlier,
                0,
                lead,
                earlier.created_at,
                {"version": ["None", str(earlier.version)], "status": ["None", "draft"]},
            )
        if package is None or package.submitted_at is None:
            return flow.task("package_submitted", STATUS_NEW, pack, [split], at=case.created_at)
        submitted = package.submitted_at
        self.event(
            package, "package_submitted", lead, submitted, case_id=case.pk, from_state="draft", to_state="submitted"
        )
        self.entry(
            package, 1, lead, submitted, {"status": ["draft", "submitted"], "total": ["None", str(package.total)]}
        )
        current = flow.task(
            "package_submitted", STATUS_DONE, pack, [split], at=case.created_at, finished=submitted, owner=lead
        )
        for approval in sorted(approvals.get(package.pk, []), key=lambda a: a.at):
            node = APPROVE_NODE[approval.tier]
            current = flow.task(
                node,
                STATUS_DONE,
                pack,
                [current],
                at=submitted,
                finished=approval.at,
                owner=approval.approver,
                perm=APPROVE_PERMISSION[approval.tier],
            )
            current = flow.task("approval_decision", STATUS_DONE, pack, [current], at=approval.at)
            action = "package_approved" if approval.decision == "approved" else "package_escalated"
            self.event(
                package,
                action,
                approval.approver,
                approval.at,
                case_id=case.pk,
                from_state="submitted",
                to_state="approved" if action == "package_approved" else "submitted",
            )
        status = package.status
        if status == "submitted":
            tier = package.current_tier or "team_manager"
            return flow.task(
                APPROVE_NODE[tier], STATUS_NEW, pack, [current], at=submitted, perm=APPROVE_PERMISSION[tier]
            )
        if status == "returned":
            decided = package.decided_at or submitted
            current = flow.task(
                "approve_team_manager",
                STATUS_DONE,
                pack,
                [current],
                at=submitted,
                finished=decided,
                owner=package.decided_by,
                perm=APPROVE_PERMISSION["team_manager"],
            )
            current = flow.task("approval_decision", STATUS_DONE, pack, [current], at=decided)
            self.event(
                package,
                "package_returned",
                package.decided_by,
                decided,
                case_id=case.pk,
                from_state="submitted",
                to_state="returned",
                reason=package.return_reason,
            )
            return flow.task(
                "rework_package", STATUS_ASSIGNED, pack, [current], at=decided, owner=lead, perm="fgdm.work_case"
            )
        if status == "withdrawn":
            at = b.at(package.agreement_signed_on, 17)
            self.event(
                package, "package_withdrawn", lead, at, case_id=case.pk, from_state="submitted", to_state="withdrawn"
            )
            flow.task(
                "approve_team_manager",
                STATUS_CANCELED,
                pack,
                [current],
                at=submitted,
                finished=at,
                perm=APPROVE_PERMISSION["team_manager"],
            )
            return None
        # approved or ended
        decided = package.decided_at or submitted
        current = flow.task("schedule_payments", STATUS_DONE, pack, [current], at=decided)
        self.event(package, "payments_scheduled", package.decided_by, decided, case_id=case.pk)
        after = flow.task("after_approval", STATUS_DONE, pack, [current], at=decided)
        tok = f"{pack}/{after.pk}"
        finance = b.w.finance_in
        if package.pk in unauthorised and status == "approved":
            open_task = flow.task(
                "authorise_payments", STATUS_NEW, f"{tok}_1", [after], at=decided, perm="payments.authorise_payment"
            )
        else:
            done = flow.task(
                "authorise_payments",
                STATUS_DONE,
                f"{tok}_1",
                [after],
                at=decided,
                owner=finance,
                perm="payments.authorise_payment",
            )
            flow.task("payments_authorised", STATUS_DONE, f"{tok}_1", [done], at=decided)
            open_task = None
        ended = status == "ended"
        review_state = STATUS_CANCELED if ended else STATUS_SCHEDULED
        flow.task(
            "package_review_due", review_state, f"{tok}_2", [after], at=decided, scheduled=b.at(package.review_by, 9)
        )
        waiting = flow.task(
            "package_submitted", STATUS_CANCELED if ended else STATUS_NEW, f"{tok}_3", [after], at=decided
        )
        if ended:
            self.event(
                package,
                "package_ended",
                case.closed_by or lead,
                decided,
                case_id=case.pk,
                from_state="approved",
                to_state="ended",
            )
            if open_task is not None:
                flow.cancel(open_task, decided)
            return None
        return open_task or waiting

    def _reopen_window(self, flow, current, token, case, closed_at, process) -> None:
        from django.conf import settings

        b = self.b
        window = flow.task("reopen_window", STATUS_STARTED, token, [current], at=closed_at)
        inner = f"{token}/{window.pk}"
        last_day = closed_at + datetime.timedelta(days=settings.FGDM_REOPEN_DAYS + 1)
        if last_day > _now(b):
            flow.task("reopen_request", STATUS_NEW, f"{inner}_1", [window], at=closed_at)
            flow.task("reopen_period_ends", STATUS_SCHEDULED, f"{inner}_2", [window], at=closed_at, scheduled=last_day)
            return
        window.status = STATUS_DONE
        window.finished = last_day
        flow.task("reopen_request", STATUS_CANCELED, f"{inner}_1", [window], at=closed_at, finished=last_day)
        ends = flow.task("reopen_period_ends", STATUS_DONE, f"{inner}_2", [window], at=closed_at, finished=last_day)
        flow.task("end", STATUS_DONE, f"{inner}_2", [ends], at=last_day)
        process.status = STATUS_DONE
        process.finished = last_day

    # -- the audit rows ------------------------------------------------------------------------

    def event(self, obj, action, by, at, *, case_id, from_state="", to_state="", reason="", changes=None) -> None:
        from audit.models import DomainEvent

        self.events.append(
            self.b.make(
                DomainEvent,
                self.b.ids(DomainEvent),
                dict(
                    at=at,
                    actor=by,
                    actor_username=by.username if by is not None else "",
                    action=action,
                    object_type=obj._meta.model_name,
                    object_id=obj.pk,
                    object_repr=_describe(obj)[:200],
                    case_id=case_id,
                    from_state=from_state,
                    to_state=to_state,
                    reason=reason or "",
                    changes=changes or {},
                    remote_addr=None,
                    via="",
                ),
            )
        )

    def entry(self, obj, action, by, at, changes) -> None:
        from audit.models import LogEntry

        self.entries.append(
            self.b.make(
                LogEntry,
                self.b.ids(LogEntry),
                dict(
                    content_type=self.ct[type(obj)],
                    object_pk=str(obj.pk),
                    object_id=obj.pk,
                    object_repr=_describe(obj),
                    serialized_data=None,
                    action=action,
                    changes_text="",
                    changes=changes,
                    actor=by,
                    actor_email=(by.email or None) if by is not None else None,
                    cid=None,
                    remote_addr=None,
                    remote_port=None,
                    timestamp=at,
                    additional_data=None,
                ),
            )
        )


class _Flow:
    """Writes one process's tasks, with their links to the tasks before them."""

    def __init__(self, trail: Trail, process, case):
        from viewflow.workflow.models import Task
        from viewflow.workflow.token import Token

        from process.flows import CaseFlow

        self.Token = Token
        self.trail, self.process, self.case = trail, process, case
        self.Task, self.Through, self.flow = Task, Task.previous.through, CaseFlow

    def task(self, node_name, status, token, previous, *, at, finished=None, owner=None, perm="", scheduled=None):
        b = self.trail.b
        node = getattr(self.flow, node_name)
        ended = status in (STATUS_DONE, STATUS_CANCELED)
        finished = (finished or at) if ended else None
        task = b.add(
            self.Task,
            flow_task=node,
            flow_task_type=node.task_type,
            status=status,
            created=at,
            assigned=at if owner is not None else None,
            started=at if (owner is not None or status == STATUS_STARTED or ended) else None,
            finished=finished,
            scheduled=scheduled,
            token=self.Token(token),
            owner=owner,
            owner_permission=perm or None,
            process=self.process,
            data={},
        )
        for before in previous:
            b.rows[self.Through].append(b.make(self.Through, None, {"from_task_id": task.pk, "to_task_id": before.pk}))
        return task

    def done(self, task, at, *, owner=None) -> None:
        task.status, task.finished, task.started = STATUS_DONE, at, task.started or at
        if owner is not None:
            task.owner, task.assigned = owner, at

    @staticmethod
    def cancel(task, at) -> None:
        if task is not None and task.status not in (STATUS_DONE, STATUS_CANCELED):
            task.status, task.finished = STATUS_CANCELED, at


def _now(builder) -> datetime.datetime:
    return builder.at(builder.today, 8)


def _describe(obj) -> str:
    from audit.masking import masks_repr

    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    return f"{obj._meta.model_name} #{obj.pk}" if masks_repr(label) else str(obj)
