"""An app server's process (config.wsgi, as gunicorn loads it) settles Python's garbage collector:
what it loaded is frozen out of collections, and collections are rarer — the p95 spikes of 100–150 ms
on 30–60 ms reads at England scale were full collections (docs/benchmarks.md)."""

import os
import subprocess
import sys
from pathlib import Path


def test_the_wsgi_process_freezes_what_it_loaded_and_collects_less_often():
    root = Path(__file__).resolve().parents[2]
    probe = "import gc, config.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 10_000)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["50000", "True"]
