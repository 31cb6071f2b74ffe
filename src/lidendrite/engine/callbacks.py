"""Hooks for code that watches a run (benchmarks, sweeps, notebooks) without subclassing.

Pass objects with any of the methods of :class:`Callback` to
:func:`lidendrite.simulation.run` (``callbacks=[...]``); missing methods are skipped. Each hook
gets the :class:`~lidendrite.engine.loop.Stepper`, whose ``state`` (the mesh, the problem),
``case``, ``timings_s`` and ``counters`` may be read but not changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Callback:
    """No-op base class: override what you need."""

    def on_start(self, stepper: Any) -> None:
        """The initial state is solved and recorded (t = 0)."""

    def on_step_end(self, stepper: Any, row: dict[str, float]) -> None:
        """A metrics row was recorded (t = 0 and after every accepted step)."""

    def on_step_rejected(self, stepper: Any, dt_s: float) -> None:
        """A step of ``dt_s`` failed (Newton) and will be retried with a smaller one."""

    def on_remesh(self, stepper: Any) -> None:
        """The cell was remeshed; ``stepper.state`` is the new mesh."""

    def on_event(self, stepper: Any, event: Any) -> None:
        """An event (depletion, short circuit, …) fired and ends the run."""

    def on_end(self, stepper: Any, result: Any) -> None:
        """The run ended (any status)."""


class CallbackList:
    """Calls a hook on every callback that defines it, in order."""

    def __init__(self, callbacks: Iterable[Any] = ()):
        self.callbacks = list(callbacks)

    def __call__(self, hook: str, *args: Any) -> None:
        """Dispatch ``hook`` to every callback."""
        for cb in self.callbacks:
            fn = getattr(cb, hook, None)
            if fn is not None:
                fn(*args)
