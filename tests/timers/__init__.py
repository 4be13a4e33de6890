"""The timer jobs as background tasks (process.timers): queued once per period by the scheduler on any
number of machines, run once by a worker, retried when safe, failures shown in admin; one copy of a
timer command at a time across machines (audit.locks); two workers completing the same cases'
workflow tasks at once (PostgreSQL)."""
