"""The Gymnasium ids ``retro_arena/GAME-v0``, one per built-in profile.

Kept apart from :mod:`arena.api` so that registering needs nothing but Gymnasium and the
games folder: ``import arena`` registers them the moment Gymnasium is imported, which may be
in the middle of importing the arena itself (stable-retro imports Gymnasium).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

NAMESPACE = "retro_arena"


def register_builtin_games() -> None:
    """``retro_arena/GAME-v0`` for every profile in the built-in games folder; ``gymnasium.
    make`` builds them through :func:`arena.api.make`."""
    import gymnasium

    for path in sorted(Path(str(files("arena.games"))).glob("*.yaml")):
        env_id = f"{NAMESPACE}/{path.stem}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                entry_point="arena.api:make",
                kwargs={"game": path.stem},
                disable_env_checker=False,
            )
