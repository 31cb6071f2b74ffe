"""Shared fixtures: the communicator, and garbage collection + a barrier after every test.

Collecting garbage on every rank at the same point keeps the destruction of PETSc objects
(which is collective) in step across ranks; the barrier stops one rank from running ahead.
Tests marked ``serial`` are skipped when the suite runs on more than one rank. Under MPI only
rank 0 prints pytest's progress and summary; another rank prints only its failures (with its
rank), so that ``make test`` does not interleave every rank's dots.
"""

import gc
import sys

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


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    rank = MPI.COMM_WORLD.rank
    if rank == 0:
        return
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        config.pluginmanager.unregister(reporter)


def pytest_runtest_logreport(report):
    rank = MPI.COMM_WORLD.rank
    if rank != 0 and report.failed:
        print(f"[rank {rank}] FAILED {report.nodeid} ({report.when})", file=sys.stderr)
        print(report.longreprtext, file=sys.stderr)
