"""Shared fixtures: the communicator, and garbage collection + a barrier after every test.

Collecting garbage on every rank at the same point keeps the destruction of PETSc objects
(which is collective) in step across ranks; the barrier stops one rank from running ahead.
Tests marked ``serial`` are skipped when the suite runs on more than one rank.
"""

import gc

from mpi4py import MPI

import pytest


@pytest.fixture(scope="session")
def comm() -> MPI.Comm:
    return MPI.COMM_WORLD


@pytest.fixture(autouse=True)
def _collect_and_synchronise():
    yield
    gc.collect()
    MPI.COMM_WORLD.barrier()


def pytest_collection_modifyitems(config, items):
    if MPI.COMM_WORLD.size == 1:
        return
    skip = pytest.mark.skip(reason="serial test: runs on one MPI rank only")
    for item in items:
        if "serial" in item.keywords:
            item.add_marker(skip)
