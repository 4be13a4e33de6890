"""How an app process runs once Django is loaded."""

import gc


def settle_garbage_collector() -> None:
    """Python's cyclic garbage collector, tuned for a long-lived app process. What is loaded by now
    (Django, the apps, the URL map, the templates' loaders) lives as long as the process, so it is
    frozen out of every later collection; and a collection starts after 50,000 new objects rather
    than 700. Untuned, a full collection walks everything loaded and, now and then, adds 100–150 ms
    to one request in ten (measured at England scale: bench/scale.py's p95 spikes on reads of
    30–60 ms, gone with this). With gunicorn's --preload the frozen objects are shared with the
    workers it forks, and no collection touches (and copies) them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
