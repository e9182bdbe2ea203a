"""Limits that the command line checks before anything heavy is imported (``arena --help``
imports no pydantic): each a named constant, listed in the README's table of limits."""

MAX_FRAMES = 10 * 60 * 60 * 60
"""A time limit of at most ten hours of play (60 frames a second)."""
MAX_RETURN = 1e30
"""The largest size of a return a record may hold: far beyond any game's (a rule's value is
at most 2^63), small enough that sums and means over any board stay finite (a shared file
naming returns of 1e308 would otherwise show ``inf`` and ``nan``)."""
