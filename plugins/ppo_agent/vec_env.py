"""Rollout workers: one process per environment (one emulator each), acting with the policy.

Each worker keeps its env alive across episodes and, during a rollout, picks its own actions
with the actor: a CPU copy of the current policy whose weights live in shared memory and are
refreshed in place after every update. It writes observations, actions, log-probabilities,
values, rewards and dones straight into shared rollout buffers, so nothing but a command and
the finished episodes travels through pipes, and the learner is free while the envs play.
PPO is unchanged: every action of a rollout is sampled from the same policy.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

import torch
import torch.multiprocessing as mp

from arena.env import ArenaEnv
from arena.errors import ArenaError
from arena.plugins.ppo_agent.model import ActorCritic
from arena.profiles import load_profile
from arena.protocol import TRAINING, Protocol


@dataclass(frozen=True)
class EnvSetup:
    """How a worker builds its env (picklable: profiles are reloaded from their file)."""

    profile_source: str
    profile_name: str
    state: str
    max_frames: int | None
    observation: dict[str, Any]
    protocol: Protocol = TRAINING

    def make(self) -> ArenaEnv:
        profile = replace(
            load_profile(self.profile_source, self.profile_name), max_frames=self.max_frames
        )
        return ArenaEnv(profile, self.state, protocol=self.protocol, **self.observation)


@dataclass(frozen=True)
class Episode:
    """An episode a worker finished during a rollout, at rollout step ``step``."""

    env: int
    step: int
    episode_return: float
    frames: int
    progress: float | None
    done_reason: str | None


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


def _worker(
    index: int,
    setup: EnvSetup,
    seed: int,
    pipe: Connection,
    buffers: RolloutBuffers,
    actor: ActorCritic,
    bfloat16: bool,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the learner handles Ctrl-C
    torch.set_num_threads(1)  # one core per worker; batch-1 inference gains nothing from more
    torch.manual_seed(seed)
    try:
        env = setup.make()
        observation, _ = env.reset(seed=seed)
    except ArenaError as exc:
        pipe.send(("error", str(exc)))
        return
    try:
        current = torch.from_numpy(observation)
        done = 0.0
        pipe.send(("ready", None))
        while True:
            command = pipe.recv()
            if command == "close":
                env.close()
                return
            episodes = []
            for step in range(buffers.actions.shape[0]):
                buffers.observations[step, index] = current
                buffers.dones[step, index] = done
                with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
                    action, logprob, value = actor.act(actor.pixels(current.unsqueeze(0)))
                buffers.actions[step, index] = action[0]
                buffers.logprobs[step, index] = logprob[0]
                buffers.values[step, index] = value[0].float()
                observation, reward, terminated, truncated, info = env.step(int(action[0]))
                buffers.rewards[step, index] = reward
                done = float(terminated or truncated)
                if done:
                    episodes.append(
                        Episode(
                            index,
                            step,
                            env.returns[0],
                            env.frame,
                            info["progress"],
                            info["done_reason"],
                        )
                    )
                    observation, _ = env.reset()
                current = torch.from_numpy(observation)
            buffers.next_observation[index] = current
            buffers.next_done[index] = done
            pipe.send(episodes)
    except (EOFError, OSError):  # the learner is gone (killed): leave quietly
        env.close()


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
        context = mp.get_context("spawn")
        self.actor = actor.share_memory()
        self.buffers = RolloutBuffers.allocate(num_steps, num_envs, observation_shape)
        self.pipes: list[Connection] = []
        self.processes = []
        for index in range(num_envs):
            parent, child = context.Pipe()
            process = context.Process(
                target=_worker,
                args=(index, setup, seed + index, child, self.buffers, self.actor, bfloat16),
                daemon=True,
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        for pipe in self.pipes:
            try:
                status, message = pipe.recv()
            except EOFError:
                status, message = "error", "an environment worker died while starting"
            if status == "error":
                self.close()
                raise ArenaError(message)

    def rollout(self) -> list[Episode]:
        """Play one rollout in every env at once; the buffers hold it afterwards."""
        for pipe in self.pipes:
            pipe.send("rollout")
        episodes: list[Episode] = []
        for pipe in self.pipes:
            try:
                episodes += pipe.recv()
            except EOFError:
                raise ArenaError("an environment worker died during a rollout") from None
        return sorted(episodes, key=lambda e: (e.step, e.env))

    def close(self) -> None:
        for pipe, process in zip(self.pipes, self.processes, strict=False):
            if process.is_alive():
                try:
                    pipe.send("close")
                except (BrokenPipeError, OSError):
                    continue
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
