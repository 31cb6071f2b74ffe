"""The one logging path of lidendrite: the ``lidendrite`` logger, printed by rank 0 only."""

from __future__ import annotations

import logging
import sys


class _RankFilter(logging.Filter):
    def __init__(self, rank: int):
        super().__init__()
        self.rank = rank

    def filter(self, record: logging.LogRecord) -> bool:
        return self.rank == 0


def setup_logging(comm, level: int = logging.INFO, stream=None) -> logging.Logger:
    """Send ``lidendrite`` log records of rank 0 to ``stream`` (stdout); silence other ranks."""
    logger = logging.getLogger("lidendrite")
    logger.setLevel(level)
    for h in list(logger.handlers):
        if getattr(h, "_lidendrite", False):
            logger.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_RankFilter(comm.rank))
    handler._lidendrite = True
    logger.addHandler(handler)
    logger.propagate = False
    return logger
