"""Query budgets: each key page and API list answers within a fixed number of SQL queries, and the
same number with ten times the data (an N+1, a prefetch over all rows or a filter in Python fails)."""
