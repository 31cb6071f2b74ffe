"""Import DOLFINx and PETSc in the right order.

The ``dolfinx-solver-real`` wheel ships PETSc/MPICH as bundled libraries that must be loaded
(``import dolfinx_solver``) before ``dolfinx`` or ``petsc4py``. A conda-forge or Spack DOLFINx
has no such module, and then nothing needs to happen. Every module of lidendrite that needs
DOLFINx imports it through this module.
"""

import importlib.util

if importlib.util.find_spec("dolfinx_solver") is not None:  # pragma: no branch
    import dolfinx_solver  # noqa: F401

from petsc4py import PETSc  # noqa: E402

import dolfinx  # noqa: E402
import dolfinx.fem.petsc  # noqa: E402

__all__ = ["PETSc", "dolfinx", "remove_options", "versions"]


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
