"""The cyclic garbage collector of a long-running process (API, worker), tuned once it has started.

Start-up (imports, the schema, caches, pools) builds a few hundred thousand long-lived objects
that are never garbage. With CPython's defaults every full collection walks all of them, and on
big signed-in pages (tens of thousands of ORM objects per request) a full collection ran every
few requests: 41 % of the CPU. `tune_after_startup` collects once and freezes them
(`gc.freeze()`: later collections skip them) and raises the thresholds (GC_GEN*_THRESHOLD, see
docs/configuration.md) so young collections are rarer but still bound the garbage waiting.
`Tuned.undo` (at shutdown) puts back the thresholds and unfreezes, so a process that starts
several apps (the tests) does not keep dead apps' objects frozen.

The live fan-out pause (app.live.collector_pause) only disables and re-enables the collector:
it keeps the thresholds and frozen objects.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from app.settings import Settings


@dataclass(frozen=True)
class Tuned:
    """What `tune_after_startup` changed, to undo at shutdown."""

    previous_thresholds: tuple[int, int, int]
    froze: bool

    def undo(self) -> None:
        if self.froze:
            gc.unfreeze()
        gc.set_threshold(*self.previous_thresholds)


def tune_after_startup(settings: Settings) -> Tuned:
    """Call once start-up is over (nothing built afterwards is frozen)."""
    previous = gc.get_threshold()
    gc.set_threshold(
        settings.gc_gen0_threshold, settings.gc_gen1_threshold, settings.gc_gen2_threshold
    )
    froze = settings.gc_freeze_after_startup
    if froze:
        gc.collect()
        gc.freeze()
    return Tuned(previous_thresholds=previous, froze=froze)
