"""Rollout workers: one process per environment (one emulator each), acting with the policy.

Each worker keeps its env alive across episodes and, during a rollout, picks its own actions
with the actor: a CPU copy of the current policy whose weights live in shared memory and are
refreshed in place after every update. It writes observations, actions, log-probabilities,
values, rewards and dones straight into shared rollout buffers, so nothing but a command and
the finished episodes travels through pipes, and the learner is free while the envs play.
PPO is unchanged: every action of a rollout is sampled from the same policy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.multiprocessing  # registers shared-tensor pickling for the pool

from arena import EnvSetup, LeaguePool, RayActors, Worker, WorkerPool
from arena.plugins.ppo_agent.model import ActorCritic


@dataclass(frozen=True)
class Episode:
    """An episode a worker finished during a rollout, at rollout step ``step``."""

    env: int
    step: int
    episode_return: float
    frames: int
    progress: float | None
    done_reason: str | None
    opponent: str | None = None
    """In a league: whom the learner played (a snapshot's or a fixed entry's label)."""
    outcome: float | None = None
    """In a league: 1 the learner won, 0.5 drew, 0 lost (by the seats' returns)."""


@dataclass(frozen=True)
class Rollout:
    """A worker's task: play one rollout; in a league, against opponents drawn from ``pool``
    (the league as it stands, sent with every rollout)."""

    pool: LeaguePool | None = None


@dataclass
class RolloutBuffers:
    """The shared tensors a rollout fills: (num_steps, num_envs, ...), plus the state after it."""

    observations: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    dones: torch.Tensor
    next_observation: torch.Tensor
    next_done: torch.Tensor

    @classmethod
    def allocate(
        cls, num_steps: int, num_envs: int, observation_shape: tuple[int, ...]
    ) -> RolloutBuffers:
        shape = (num_steps, num_envs)
        return cls(
            observations=torch.zeros(shape + observation_shape, dtype=torch.uint8).share_memory_(),
            actions=torch.zeros(shape, dtype=torch.long).share_memory_(),
            logprobs=torch.zeros(shape).share_memory_(),
            values=torch.zeros(shape).share_memory_(),
            rewards=torch.zeros(shape).share_memory_(),
            dones=torch.zeros(shape).share_memory_(),
            next_observation=torch.zeros(
                (num_envs, *observation_shape), dtype=torch.uint8
            ).share_memory_(),
            next_done=torch.zeros(num_envs).share_memory_(),
        )


@dataclass
class RolloutWorker(Worker):
    """One env in its own process; a :class:`Rollout` task plays ``num_steps`` steps with the
    shared actor, writing into column ``index`` of the shared buffers."""

    index: int
    setup: EnvSetup
    seed: int
    buffers: RolloutBuffers
    actor: ActorCritic
    bfloat16: bool

    def set_up(self) -> None:
        torch.set_num_threads(1)  # one core per worker; batch-1 inference gains nothing from more
        torch.manual_seed(self.seed)
        self.env = self.setup.make()
        observation, _ = self.env.reset(seed=self.seed)
        self.current = torch.from_numpy(observation)
        self.done = 0.0

    def handle(self, task: Rollout) -> list[Episode]:
        buffers, index, env, actor = self.buffers, self.index, self.env, self.actor
        league: Any = env if task.pool is not None else None  # a LeagueEnv
        if league is not None:
            league.pool = task.pool
        episodes = []
        for step in range(buffers.actions.shape[0]):
            buffers.observations[step, index] = self.current
            buffers.dones[step, index] = self.done
            with torch.no_grad(), torch.autocast("cpu", torch.bfloat16, enabled=self.bfloat16):
                action, logprob, value = actor.act(actor.pixels(self.current.unsqueeze(0)))
            buffers.actions[step, index] = action[0]
            buffers.logprobs[step, index] = logprob[0]
            buffers.values[step, index] = value[0].float()
            observation, reward, terminated, truncated, info = env.step(int(action[0]))
            buffers.rewards[step, index] = reward
            self.done = float(terminated or truncated)
            if self.done:
                episodes.append(
                    Episode(
                        index,
                        step,
                        env.returns[0],
                        env.frame,
                        info["progress"],
                        info["done_reason"],
                        None if league is None else league.member.label,
                        None if league is None else league.outcome(),
                    )
                )
                observation, _ = env.reset()
            self.current = torch.from_numpy(observation)
        buffers.next_observation[index] = self.current
        buffers.next_done[index] = self.done
        return episodes

    def close(self) -> None:
        if hasattr(self, "env"):
            self.env.close()


class RolloutWorkers:
    """``num_envs`` envs in worker processes that act with ``actor`` (kept in shared memory)."""

    def __init__(
        self,
        setup: EnvSetup,
        num_envs: int,
        num_steps: int,
        seed: int,
        observation_shape: tuple[int, ...],
        actor: ActorCritic,
        bfloat16: bool,
    ) -> None:
        self.actor = actor.share_memory()
        self.buffers = RolloutBuffers.allocate(num_steps, num_envs, observation_shape)
        workers = [
            RolloutWorker(index, setup, seed + index, self.buffers, self.actor, bfloat16)
            for index in range(num_envs)
        ]
        self.pool = WorkerPool(workers, "environment worker")

    def rollout(self, pool: LeaguePool | None = None) -> list[Episode]:
        """Play one rollout in every env at once (in a league, against ``pool``); the buffers
        hold it afterwards. An env whose worker dies is replaced (a fresh episode) and plays
        its part of the rollout again."""
        episodes = [e for found in self.pool.broadcast(Rollout(pool)) for e in found]
        return sorted(episodes, key=lambda e: (e.step, e.env))

    def close(self) -> None:
        self.pool.close()


@dataclass
class RemoteRolloutWorker(Worker):
    """One env on a Ray actor, anywhere on a cluster (``--backend ray``): no memory is shared
    with the learner, so the worker holds its own copy of the actor, loaded with the weights
    each rollout brings, and its own one-column buffers, which it sends back. It plays as a
    local :class:`RolloutWorker` of the same index and seed does, frame for frame."""

    index: int
    setup: EnvSetup
    seed: int
    num_steps: int
    observation_shape: tuple[int, ...]
    n_actions: int
    bfloat16: bool

    def set_up(self) -> None:
        actor = ActorCritic(self.observation_shape, self.n_actions)
        buffers = RolloutBuffers.allocate(self.num_steps, 1, self.observation_shape)
        self.local = RolloutWorker(0, self.setup, self.seed, buffers, actor, self.bfloat16)
        self.local.set_up()

    def handle(
        self, task: tuple[dict[str, torch.Tensor], Rollout]
    ) -> tuple[RolloutBuffers, list[Episode]]:
        weights, rollout = task
        self.local.actor.load_state_dict(weights)
        episodes = self.local.handle(rollout)
        return self.local.buffers, [replace(e, env=self.index) for e in episodes]

    def close(self) -> None:
        if hasattr(self, "local"):
            self.local.close()


class RayRolloutWorkers:
    """``num_envs`` envs on Ray actors; the learner's buffers are filled from what they send
    back, and the actor's weights go to them with each rollout."""

    def __init__(
        self,
        setup: EnvSetup,
        num_envs: int,
        num_steps: int,
        seed: int,
        observation_shape: tuple[int, ...],
        actor: ActorCritic,
        bfloat16: bool,
    ) -> None:
        self.actor = actor
        self.buffers = RolloutBuffers.allocate(num_steps, num_envs, observation_shape)
        n_actions = actor.actor.out_features
        workers = [
            RemoteRolloutWorker(
                index, setup, seed + index, num_steps, observation_shape, n_actions, bfloat16
            )
            for index in range(num_envs)
        ]
        self.pool = RayActors(workers, "environment worker")

    def rollout(self, pool: LeaguePool | None = None) -> list[Episode]:
        """As :meth:`RolloutWorkers.rollout`: an env whose actor dies is replaced (a fresh
        episode) and plays its part of the rollout again."""
        weights = {name: tensor.detach().cpu() for name, tensor in self.actor.state_dict().items()}
        answers = self.pool.broadcast([(weights, Rollout(pool))] * len(self.pool.actors))
        episodes = []
        for index, (column, found) in enumerate(answers):
            for name in ("observations", "actions", "logprobs", "values", "rewards", "dones"):
                getattr(self.buffers, name)[:, index] = getattr(column, name)[:, 0]
            self.buffers.next_observation[index] = column.next_observation[0]
            self.buffers.next_done[index] = column.next_done[0]
            episodes += found
        return sorted(episodes, key=lambda e: (e.step, e.env))

    def close(self) -> None:
        self.pool.close()
