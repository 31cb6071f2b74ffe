"""Adaptive time-step control from Newton iterations and the solution change per step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StepController:
    """Choose the next time step (seconds).

    The step grows while Newton converges in at most ``target_iterations`` and the largest change of
    the scaled concentration per step stays below ``max_change``; it shrinks otherwise and by a
    factor four after a rejected step. ``dt_limit_s`` caps it further (e.g. boundary motion).
    """

    dt_min_s: float
    dt_max_s: float
    growth_max: float = 2.0
    target_iterations: int = 4
    max_change: float = 0.05
    shrink_on_failure: float = 0.25

    def next_dt(self, dt_s: float, iterations: int, change: float) -> float:
        """Step after an accepted step of size ``dt_s``."""
        factor = self.growth_max
        if change > 0:
            factor = min(factor, 0.9 * self.max_change / change)
        if iterations > self.target_iterations:
            factor = min(factor, self.target_iterations / iterations)
        factor = max(factor, 0.2)
        return min(max(dt_s * factor, self.dt_min_s), self.dt_max_s)

    def after_failure(self, dt_s: float) -> float:
        """Step to retry with after a rejected step (may fall below ``dt_min_s``: caller stops)."""
        return dt_s * self.shrink_on_failure
