"""Show PostgreSQL's plans for the case lists (a page of them, their count and a search) as a few
people of each kind, to check that visibility and search use indexes rather than scanning cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_queues .venv/bin/python bench/explain_lists.py

Fill the database first (migrate, then bench/bulk_cases.py --cases 5000). PostgreSQL only; it
reads and never writes. `--full` prints whole plans, else the lines that name a scan or a join; `--no-seqscan`
shows whether the planner can avoid scanning cases.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY = ("Scan", "Join", "Loop", "Limit", "Sort", "Append", "Unique", "HashAggregate", "Execution Time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="print whole plans")
    parser.add_argument("--search", default="smi", help="the search term (default: smi)")
    parser.add_argument(
        "--no-seqscan",
        action="store_true",
        help="SET enable_seqscan = off: show whether the planner CAN use indexes (on a small database it "
        "rightly prefers to scan a table of a few hundred pages)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from core.roles import Role
    from fgdm.models import Case
    from fgdm.selectors import case_list

    if connection.vendor != "postgresql":
        sys.exit("explain_lists: PostgreSQL only (set DATABASE_URL).")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if args.no_seqscan:
            cursor.execute("SET enable_seqscan = off")
    print(f"{Case.objects.count()} cases")
    User = get_user_model()
    people = [
        User.objects.filter(groups__name=role, is_active=True).order_by("pk").first()
        for role in (Role.PRACTITIONER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
    ]
    for user in filter(None, people):
        for label, filters in (("page", {}), ("search", {"q": args.search})):
            queryset = case_list(user=user, filters=filters)
            for what, qs in ((f"{label} of 25", queryset[:25]), (f"{label} count", queryset.order_by())):
                plan = _explain_count(connection, qs) if what.endswith("count") else qs.explain(analyze=True)
                print(
                    f"\n== {user.get_username()} ({','.join(sorted(user.groups.values_list('name', flat=True)))}): {what}"
                )
                for line in plan.splitlines():
                    if args.full or any(k in line for k in KEY):
                        print(line)


def _explain_count(connection, qs) -> str:
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({sql}) AS counted", params)
        return "\n".join(row[0] for row in cursor.fetchall())


if __name__ == "__main__":
    main()
