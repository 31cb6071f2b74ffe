"""Clean stops: SIGTERM and SIGINT end the run after the current step, with a checkpoint.

:class:`StopRequest` installs handlers that only raise a flag, so a signal that lands inside
Newton or a linear solve never turns into a numerical failure or a traceback; the stepper asks
:attr:`StopRequest.pending` after every accepted step (one collective reduction: one rank's
signal stops all of them), writes a checkpoint and ends the run with ``status: interrupted``. A
second signal stops at once (:class:`KeyboardInterrupt`), without a checkpoint.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

log = logging.getLogger("lidendrite")

#: The signals that ask for a clean stop.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """A flag raised by SIGTERM/SIGINT while installed (use as a context manager)."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        self._saved.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signal_name is not None:
            raise KeyboardInterrupt(f"second signal ({name}): stopping without a checkpoint")
        self.signal_name = name
        log.warning("%s received: finishing the current step, then checkpoint and stop", name)

    @property
    def pending(self) -> bool:
        """Whether this rank got a stop signal (the stepper agrees on it over the ranks)."""
        return self.signal_name is not None
