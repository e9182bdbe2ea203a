"""Game profiles: the YAML schema, the rule expressions, loading and the rule engine.

A :class:`~arena.profiles.loading.Profile` is validated against the game's integration once,
when it loads. May import :mod:`arena.retro` and :mod:`arena.core`.
"""
