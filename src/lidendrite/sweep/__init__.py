"""Parameter sweeps: a YAML grid (or zip) of config keys, each case its own isolated process.

- :mod:`~lidendrite.sweep.spec`: the sweep file, its axes and ranges, the cases and their ids;
- :mod:`~lidendrite.sweep.state`: the layout of a sweep directory and the state of each case;
- :mod:`~lidendrite.sweep.runner`: the executor (a thread pool of case process groups);
- :mod:`~lidendrite.sweep.summary`: ``manifest.csv``, ``summary.csv`` and headline outputs;
- :mod:`~lidendrite.sweep.plots`: figures of a sweep directory (``lidendrite plot OUT``);
- :mod:`~lidendrite.sweep.slurm`: ``--emit slurm``;
- :mod:`~lidendrite.sweep.cli`: the ``lidendrite sweep`` sub-command.
"""
