"""Test-only Celery entry point for the worker-kill test: `celery -A tests.hardening.worker_app worker`.

The project's app, plus one task that stops in the middle of its work the first time it runs
(so the test can SIGKILL the worker there), and a short Redis visibility timeout so the
unacknowledged task is handed to the next worker within seconds instead of an hour.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tracing.celery import app

VISIBILITY_TIMEOUT = 5
# Sweep for abandoned (unacknowledged) tasks every second instead of roughly every 100 s.
app.conf.broker_transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT, "unacked_restore_interval": 1,
                                     "unacked_restore_throttle": 1}


@app.task(name="tests.hardening.deliver_after_pause", acks_late=True)
def deliver_after_pause(message_id: str, runs_file: str) -> bool:
    """Record each run; on the first, wait (to be killed) before delivering the message."""
    runs = Path(runs_file)
    first = not runs.exists()
    with open(runs, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")
    if first:
        time.sleep(120)  # the test kills the worker here
    from tracing.outbox import outbox_deliver_one  # models: after Django is set up

    return outbox_deliver_one(message_id)
