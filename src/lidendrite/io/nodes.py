"""Vertex-level views of first-order fields, and gathering them on rank 0.

On a first-order mesh every P1 degree of freedom sits on a geometry node. :class:`NodeLayout`
maps geometry nodes (the rows of ``mesh.geometry.x``, which the ALE motion moves) to the
degrees of freedom of any P1 space, scalar or vector, and gathers node data on rank 0 in the
global node numbering, so that output does not depend on how the mesh is partitioned.
"""

from __future__ import annotations

import numpy as np

from lidendrite.fem import dolfinx


class NodeLayout:
    """Geometry-node ↔ P1-dof maps for one mesh (collective construction is not needed)."""

    def __init__(self, mesh: dolfinx.mesh.Mesh):
        self.mesh = mesh
        self.index_map = mesh.geometry.index_map()
        self.num_owned = self.index_map.size_local
        self.num_local = self.num_owned + self.index_map.num_ghosts
        self.global_ids = self.index_map.local_to_global(np.arange(self.num_local, dtype=np.int32))
        self.num_owned_cells = mesh.topology.index_map(mesh.topology.dim).size_local
        self._maps: dict[int, np.ndarray] = {}

    def node_to_dof(self, space: dolfinx.fem.FunctionSpace) -> np.ndarray:
        """Map geometry node → (block) dof of a P1 space on this mesh."""
        key = id(space)
        if key not in self._maps:
            out = np.empty(self.num_local, dtype=np.int32)
            out[self.mesh.geometry.dofmaps[0].ravel()] = space.dofmap.list.ravel()
            self._maps[key] = out
        return self._maps[key]

    def values(self, f: dolfinx.fem.Function) -> np.ndarray:
        """Values of a P1 function at the local geometry nodes, shape (nodes,) or (nodes, bs)."""
        bs = f.function_space.dofmap.index_map_bs
        arr = f.x.array.reshape(-1, bs)[self.node_to_dof(f.function_space)]
        return arr[:, 0] if bs == 1 else arr

    def set_values(self, f: dolfinx.fem.Function, node_values: np.ndarray, nodes=None) -> None:
        """Set a P1 function at (some of) the local geometry nodes."""
        bs = f.function_space.dofmap.index_map_bs
        dofs = self.node_to_dof(f.function_space)
        if nodes is not None:
            dofs = dofs[nodes]
        f.x.array.reshape(-1, bs)[dofs] = node_values.reshape(len(dofs), bs)

    def gather(self, node_arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
        """Gather owned node data on rank 0, ordered by global node number (collective).

        Returns on rank 0 a dict with ``points`` (N, gdim), ``cells`` (M, 3) in global node
        numbers, ``cell_index`` (owned local cell → position) and every array of ``node_arrays``
        (given per local node); ``None`` on other ranks.
        """
        comm = self.mesh.comm
        n = self.num_owned
        if comm.size == 1:
            # the local nodes are all the nodes, numbered as globally: no pickled round trip
            out = {k: np.array(v[:n]) for k, v in node_arrays.items()}
            out["points"] = self.mesh.geometry.x[:n, : self.mesh.geometry.dim].copy()
            out["cells"] = self.mesh.geometry.dofmaps[0][: self.num_owned_cells].astype(np.int64)
            return out
        payload = {
            "gid": self.global_ids[:n],
            "points": self.mesh.geometry.x[:n, : self.mesh.geometry.dim],
            "cells": self.global_ids[self.mesh.geometry.dofmaps[0][: self.num_owned_cells]],
        }
        payload.update({k: v[:n] for k, v in node_arrays.items()})
        parts = comm.gather(payload, root=0)
        if comm.rank != 0:
            return None
        total = self.index_map.size_global
        out: dict[str, np.ndarray] = {}
        gid = np.concatenate([p["gid"] for p in parts])
        for key in ["points", *node_arrays]:
            stacked = np.concatenate([p[key] for p in parts])
            arr = np.empty((total, *stacked.shape[1:]), dtype=stacked.dtype)
            arr[gid] = stacked
            out[key] = arr
        out["cells"] = np.concatenate([p["cells"] for p in parts]).astype(np.int64)
        return out

    def gather_cells(self, cell_values: np.ndarray) -> np.ndarray | None:
        """Gather per-owned-cell values on rank 0 in the order of :meth:`gather` cells."""
        parts = self.mesh.comm.gather(cell_values[: self.num_owned_cells], root=0)
        return None if parts is None else np.concatenate(parts)
