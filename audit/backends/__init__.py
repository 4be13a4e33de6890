"""Django's PostgreSQL and SQLite backends, writing each transaction's audit records together
(audit.batching). Named in settings DATABASES ENGINE: `audit.backends.postgresql`,
`audit.backends.sqlite3`."""
