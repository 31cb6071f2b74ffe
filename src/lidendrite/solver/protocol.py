"""The operating protocol as a piecewise-constant schedule of current or voltage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One protocol step placed on the time axis (SI units)."""

    start_s: float
    end_s: float
    current_density_A_per_m2: float | None
    voltage_V: float | None


def schedule(steps, repeat: int = 1) -> list[Segment]:
    """Lay protocol steps end to end, ``repeat`` times.

    Steps are objects with ``current_density_A_per_m2``, ``voltage_V`` and ``duration_s``.
    """
    out: list[Segment] = []
    t = 0.0
    for _ in range(repeat):
        for step in steps:
            out.append(
                Segment(t, t + step.duration_s, step.current_density_A_per_m2, step.voltage_V)
            )
            t += step.duration_s
    return out


def segment_at(segments: list[Segment], time_s: float, eps_s: float = 0.0) -> int:
    """Index of the segment that the step starting at ``time_s`` belongs to."""
    for k, seg in enumerate(segments):
        if time_s < seg.end_s - eps_s:
            return k
    return len(segments) - 1
