"""The time loop and everything that lives on one mesh while it runs.

``state`` (the problem and its geometry on one mesh) → ``motion`` (explicit front step, ALE) →
``remesh`` (new mesh, field transfer) → ``metrics`` / ``events`` → ``loop`` (the stepper), with
``callbacks`` for code that watches a run. :mod:`lidendrite.simulation` is the entry point.
"""
