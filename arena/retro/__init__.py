"""stable-retro's side: integrations (where games, states and ROMs live) and the ROM store.

May import :mod:`arena.core` only.
"""
