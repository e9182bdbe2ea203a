"""The emulator and what it records: one stable-retro emulator, .bk2 movies with their
sidecars and replays, and videos of them.

May import :mod:`arena.profiles`, :mod:`arena.retro` and :mod:`arena.core`.
"""
