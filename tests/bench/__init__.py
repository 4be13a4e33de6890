"""The benchmarks' own tools (bench/): the bulk case generator makes data the rest of the system reads,
and `manage.py bulk_data` adds the workflow tasks and a verifiable audit trail to it."""
