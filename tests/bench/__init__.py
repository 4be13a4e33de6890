"""The benchmarks' own tools (bench/): the bulk case generator makes data the rest of the system reads."""
