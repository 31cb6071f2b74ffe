"""Import DOLFINx and PETSc in the right order.

The ``dolfinx-solver-real`` wheel ships PETSc/MPICH as bundled libraries that must be loaded
(``import dolfinx_solver``) before ``dolfinx`` or ``petsc4py``. A conda-forge or Spack DOLFINx
has no such module, and then nothing needs to happen. Every module of lidendrite that needs
DOLFINx imports it through this module.
"""

import importlib.util
import sys
from pathlib import Path
from typing import Any

if importlib.util.find_spec("dolfinx_solver") is not None:  # pragma: no branch
    import dolfinx_solver  # noqa: F401

from petsc4py import PETSc  # noqa: E402

import dolfinx  # noqa: E402
import dolfinx.fem.petsc  # noqa: E402
import ufl  # noqa: E402

__all__ = [
    "CACHE_ROOT",
    "JIT_OPTIONS",
    "PETSc",
    "dolfinx",
    "form",
    "remove_options",
    "versions",
]

#: C compiler options of every form lidendrite compiles. ``-O3`` instead of DOLFINx's ``-O2``
#: assembles the transport Jacobian of the seed mesh about 30 % faster (its P1² kernel 1.09 →
#: 0.78 ms; ``benchmarks/README.md``). No ``-march=native``: nodes of a cluster share one JIT
#: cache, and code built for one node's CPU may not run on another's.
JIT_OPTIONS: dict[str, Any] = {
    "cffi_extra_compile_args": ["-O3"] if sys.platform.startswith("win32") else ["-O3", "-g0"]
}


#: Where lidendrite's compiled forms live: a directory under DOLFINx's JIT cache (its
#: ``cache_dir`` option), in 256 shards by the first two hex digits of each form's UFL signature.
#: FFCx finds a cached module by listing the whole directory it is in, once per form (a new
#: ``FileFinder`` each time): 2 ms a form in a cache of 4 000 files, and growing with it,
#: against tens of microseconds in a shard of a few dozen.
CACHE_ROOT = Path(dolfinx.jit.get_options()["cache_dir"]) / "lidendrite"


def _jit_options_for(ufl_form: Any) -> dict[str, Any]:
    """:data:`JIT_OPTIONS` with the cache shard of ``ufl_form`` (a ``ufl.Form``)."""
    return {**JIT_OPTIONS, "cache_dir": str(CACHE_ROOT / ufl_form.signature()[:2])}


def form(ufl_form: Any, **kwargs: Any) -> Any:
    """``dolfinx.fem.form`` with lidendrite's :data:`JIT_OPTIONS`, one form at a time.

    A ``ufl.Form`` is compiled into its shard of :data:`CACHE_ROOT`; lists (nested, with
    ``None`` for empty blocks, as ``dolfinx.fem.forms.derivative_block`` gives them) form by
    form; anything else (an empty form, a compiled one) as ``dolfinx.fem.form`` takes it.
    """
    if isinstance(ufl_form, ufl.Form) and not ufl_form.empty():
        return dolfinx.fem.form(ufl_form, jit_options=_jit_options_for(ufl_form), **kwargs)
    if isinstance(ufl_form, list | tuple):
        return [None if f is None else form(f, **kwargs) for f in ufl_form]
    return dolfinx.fem.form(ufl_form, jit_options=JIT_OPTIONS, **kwargs)


def remove_options(prefix: str) -> None:
    """Delete every PETSc option whose name starts with ``prefix``."""
    opts = PETSc.Options()
    for key in list(opts.getAll()):
        if key.startswith(prefix):
            opts.delValue(key)


def versions() -> dict[str, str]:
    """Versions of lidendrite and of the numerical stack it runs on."""
    import basix
    import gmsh
    import numpy
    import ufl

    from lidendrite import __version__
    from lidendrite.revision import git_revision

    petsc = ".".join(str(v) for v in PETSc.Sys.getVersion())
    return {
        "lidendrite": __version__,
        "lidendrite_git": git_revision() or "unknown (not a git checkout)",
        "dolfinx": dolfinx.__version__,
        "basix": basix.__version__,
        "ufl": ufl.__version__,
        "petsc": petsc,
        "gmsh": gmsh.__version__,
        "numpy": numpy.__version__,
    }
