"""The arena's Gymnasium and PettingZoo envs, by Gymnasium's documented route: importing this
module registers ``retro_arena/GAME-v0`` for every built-in profile (as importing ``ale_py``
registers ALE's), and ``gymnasium.register_envs`` names the module so that the import is
used::

    import gymnasium as gym
    import arena.envs

    gym.register_envs(arena.envs)
    env = gym.make("retro_arena/pong-v0", sticky=0.25)

:func:`make` and :func:`parallel_env` are :mod:`arena`'s own, here too.
"""

from __future__ import annotations

from arena.api import make, parallel_env  # importing arena.api registers the ids

__all__ = ["make", "parallel_env"]
