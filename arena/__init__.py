"""retro-arena: learning agents play classic emulated games (stable-retro) head to head.

This module is the arena's public API, and the only one plugins need (with
:mod:`arena.errors`); everything under the subpackages is the arena's own and may change.

- Environments: :func:`make` and :func:`parallel_env` (one line each), :class:`ArenaEnv`.
- Agents: :class:`Agent`, :class:`AgentContext` (its :class:`GameSpec`), :data:`hookimpl` and
  the ``Register*`` callbacks of :mod:`arena.host.hookspecs`.
- Observation builders: :class:`Observer`, :class:`GameView`.
- Trainers: :class:`Trainer`, :class:`TrainRun`, :class:`EnvSetup` (a worker's env),
  :class:`WorkerPool` / :class:`RayPool` / :class:`RayActors` / :class:`Worker`,
  :func:`reseed`, :class:`CsvLog`, start states (:func:`prepare_curriculum`), self-play
  leagues (:class:`LeaguePool`, :class:`LeagueRatings`),
  checkpoints (:func:`save_checkpoint`, :func:`load_checkpoint`, :func:`read_manifest`),
  episodes (:class:`RunConfig`, :func:`play_episode`, :func:`run_episodes`).

Names are imported on first use, so ``import arena`` (and ``arena --help``) stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "arena.play.agents",
    "AgentContext": "arena.play.agents",
    "AgentFactory": "arena.play.agents",
    "AgentState": "arena.play.agents",
    "ArenaEnv": "arena.play.env",
    "CsvLog": "arena.training.run",
    "Curriculum": "arena.training.curriculum",
    "LEAGUE": "arena.training.league",
    "LEAGUE_FIELDS": "arena.training.league",
    "LeaguePool": "arena.training.league",
    "LeagueRatings": "arena.training.league",
    "check_league_shares": "arena.training.league",
    "league_members": "arena.training.league",
    "league_snapshot": "arena.training.league",
    "EVALUATION": "arena.core.protocol",
    "EnvSetup": "arena.training.worker_env",
    "GameSpec": "arena.play.env",
    "GameView": "arena.play.observers",
    "MAX_WORKERS": "arena.host.params",
    "ObservationFor": "arena.play.agents",
    "Observer": "arena.play.observers",
    "OpponentEnv": "arena.play.opponent",
    "POSITIVE": "arena.host.params",
    "backend_option": "arena.host.params",
    "Protocol": "arena.core.protocol",
    "RayActors": "arena.core.workers",
    "RayPool": "arena.core.workers",
    "RegisterAgent": "arena.host.hookspecs",
    "RegisterCheckpoint": "arena.host.hookspecs",
    "RegisterCommand": "arena.host.hookspecs",
    "RegisterGame": "arena.host.hookspecs",
    "RegisterObservation": "arena.host.hookspecs",
    "RegisterSuite": "arena.host.hookspecs",
    "RegisterTrainer": "arena.host.hookspecs",
    "RunConfig": "arena.play.runner",
    "SCREEN": "arena.play.observers",
    "TRAINING": "arena.core.protocol",
    "TrainRun": "arena.training.run",
    "Trainer": "arena.host.trainer",
    "WORKERS": "arena.host.params",
    "WholeNumber": "arena.host.params",
    "Worker": "arena.core.workers",
    "WorkerPool": "arena.core.workers",
    "first_error": "arena.core.models",
    "hookimpl": "arena.host.hookspecs",
    "load_checkpoint": "arena.play.checkpoints",
    "make": "arena.api",
    "manifest_observation": "arena.play.checkpoints",
    "parallel_env": "arena.api",
    "play_episode": "arena.play.runner",
    "prepare_curriculum": "arena.training.curriculum",
    "read_manifest": "arena.play.checkpoints",
    "reseed": "arena.training.run",
    "run_episodes": "arena.play.runner",
    "save_checkpoint": "arena.play.checkpoints",
}

if TYPE_CHECKING:
    from arena.api import make, parallel_env
    from arena.core.models import first_error
    from arena.core.protocol import EVALUATION, TRAINING, Protocol
    from arena.core.workers import RayActors, RayPool, Worker, WorkerPool
    from arena.host.hookspecs import (
        RegisterAgent,
        RegisterCheckpoint,
        RegisterCommand,
        RegisterGame,
        RegisterObservation,
        RegisterSuite,
        RegisterTrainer,
        hookimpl,
    )
    from arena.host.params import MAX_WORKERS, POSITIVE, WORKERS, WholeNumber, backend_option
    from arena.host.trainer import Trainer
    from arena.play.agents import Agent, AgentContext, AgentFactory, AgentState, ObservationFor
    from arena.play.checkpoints import (
        load_checkpoint,
        manifest_observation,
        read_manifest,
        save_checkpoint,
    )
    from arena.play.env import ArenaEnv, GameSpec
    from arena.play.observers import SCREEN, GameView, Observer
    from arena.play.opponent import OpponentEnv
    from arena.play.runner import RunConfig, play_episode, run_episodes
    from arena.training.curriculum import Curriculum, prepare_curriculum
    from arena.training.league import (
        LEAGUE,
        LEAGUE_FIELDS,
        LeaguePool,
        LeagueRatings,
        check_league_shares,
        league_members,
        league_snapshot,
    )
    from arena.training.run import CsvLog, TrainRun, reseed
    from arena.training.worker_env import EnvSetup


# Gymnasium's route to the ids is `import arena.envs` (and `gymnasium.register_envs`): `import
# arena` stays free of Gymnasium's import, so `arena --help` stays fast. Where Gymnasium is
# already imported, registering costs nothing more, and code written as `import gymnasium;
# import arena` finds the ids.
if "gymnasium" in sys.modules:
    importlib.import_module("arena.gym_ids").register_builtin_games()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'arena' has no attribute {name!r}")


__all__ = [
    "EVALUATION",
    "LEAGUE",
    "LEAGUE_FIELDS",
    "MAX_WORKERS",
    "POSITIVE",
    "SCREEN",
    "TRAINING",
    "WORKERS",
    "Agent",
    "AgentContext",
    "AgentFactory",
    "AgentState",
    "ArenaEnv",
    "CsvLog",
    "Curriculum",
    "EnvSetup",
    "GameSpec",
    "GameView",
    "LeaguePool",
    "LeagueRatings",
    "ObservationFor",
    "Observer",
    "OpponentEnv",
    "Protocol",
    "RayActors",
    "RayPool",
    "RegisterAgent",
    "RegisterCheckpoint",
    "RegisterCommand",
    "RegisterGame",
    "RegisterObservation",
    "RegisterSuite",
    "RegisterTrainer",
    "RunConfig",
    "TrainRun",
    "Trainer",
    "WholeNumber",
    "Worker",
    "WorkerPool",
    "__version__",
    "backend_option",
    "check_league_shares",
    "first_error",
    "hookimpl",
    "league_members",
    "league_snapshot",
    "load_checkpoint",
    "make",
    "manifest_observation",
    "parallel_env",
    "play_episode",
    "prepare_curriculum",
    "read_manifest",
    "reseed",
    "run_episodes",
    "save_checkpoint",
]
