"""Crash injection for resume tests: make the process SIGKILL itself right after a chosen shard is stored.

``$RIVALRY_FAULT_KILL_AFTER_SHARD=NAME`` (or ``$RIVALRY_FAULT_KILL_AFTER_BATCH=N``, the shard ``batch-0000N``)
is read when a store is prepared by the CLI or by a sweep worker; without either variable nothing happens.
"""

from __future__ import annotations

import os
import signal

from rivalry.io.store import RunStore

FAULT_ENV = "RIVALRY_FAULT_KILL_AFTER_SHARD"
LEGACY_FAULT_ENV = "RIVALRY_FAULT_KILL_AFTER_BATCH"


def fault_target() -> str | None:
    """The shard after which to die, from the environment (None: no fault injected)."""
    target = os.environ.get(FAULT_ENV)
    if target is None and LEGACY_FAULT_ENV in os.environ:
        target = f"batch-{int(os.environ[LEGACY_FAULT_ENV]):05d}"
    return target


def inject_fault(store: RunStore) -> RunStore:
    """Install the kill-after-shard hook on ``store`` when the environment asks for one; returns ``store``."""
    target = fault_target()
    if target is not None:

        def kill_after(name: str) -> None:
            if name == target:
                os.kill(os.getpid(), signal.SIGKILL)

        store.after_save = kill_after
    return store
