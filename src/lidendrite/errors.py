"""Exceptions of lidendrite. The CLI turns :class:`ConfigError` into a one-line message, exit 2."""


class LidendriteError(Exception):
    """Base class of all lidendrite errors."""


class ConfigError(LidendriteError):
    """Invalid user input: an unknown key, a wrong type, a value out of range.

    The message names the key, the value and what is allowed; it is shown to the user as is.
    """


class GeometryError(LidendriteError):
    """The cell cannot be built or remeshed (e.g. the anode touches the counter electrode)."""


class SolverError(LidendriteError):
    """A nonlinear or linear solve failed beyond what step rejection can recover."""
