"""The git revision of the lidendrite source tree, for the provenance of a run.

``config.resolved.yaml`` records it next to the versions when lidendrite runs from a git
checkout (an editable install); ``None`` otherwise (a wheel, no git).
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

__all__ = ["git_revision"]


@cache
def git_revision() -> str | None:
    """``<commit hash>`` (with ``-dirty`` if the tree has uncommitted changes), or ``None``."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if (commit and dirty) else (commit or None)
