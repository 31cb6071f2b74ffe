"""Names of what a run writes, and the older names they replace.

One meaning per name: ``anode_current_density_A_per_m2`` is the measured mean plating current
density in ``metrics.csv`` (the applied control keeps the config key
``operation.protocol[k].current_density_A_per_m2``), ``ionic_current_density_A_per_m2`` the
current-density vector field in the frame files. Runs written before the rename used
``current_density_A_per_m2`` for both; readers map the old names with :func:`upgrade_metrics`
and :func:`upgrade_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

#: metrics.csv column renames: old name -> new name.
LEGACY_METRIC_COLUMNS: dict[str, str] = {
    "current_density_A_per_m2": "anode_current_density_A_per_m2",
}
#: Frame (NPZ/VTU) point-field renames: old name -> new name.
LEGACY_FIELD_NAMES: dict[str, str] = {
    "current_density_A_per_m2": "ionic_current_density_A_per_m2",
}

T = TypeVar("T")


def _upgrade[T](data: Mapping[str, T], renames: Mapping[str, str]) -> dict[str, T]:
    out: dict[str, T] = {}
    for key, value in data.items():
        new = renames.get(key, key)
        if new in data and new != key:
            continue  # both present: the new name wins
        out[new] = value
    return out


def upgrade_metrics[T](columns: Mapping[str, T]) -> dict[str, T]:
    """Metrics columns (or a row) with legacy column names replaced by today's."""
    return _upgrade(columns, LEGACY_METRIC_COLUMNS)


def upgrade_fields[T](fields: Mapping[str, T]) -> dict[str, T]:
    """Frame point fields with legacy names replaced by today's."""
    return _upgrade(fields, LEGACY_FIELD_NAMES)
