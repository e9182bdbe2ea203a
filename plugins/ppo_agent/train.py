"""Proximal Policy Optimization (Schulman et al., 2017) on a game profile, in the shape of
cleanrl's ppo_atari.py: collect a rollout from parallel envs, estimate advantages with GAE,
then optimize the clipped surrogate, the value loss and the entropy bonus for a few epochs.

Around the algorithm: a progress bar, ``train.csv`` (one row per update), ``episodes.csv``,
``learning_curve.png``, TensorBoard when installed, checkpoints written atomically every
``checkpoint_every`` steps and on Ctrl-C, ``--resume``, and ``model.ckpt`` at the end.
"""

from __future__ import annotations

import ctypes
import dataclasses
import io
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn, optim
from tqdm import tqdm

from arena import LEAGUE, CsvLog, EnvSetup, TrainRun, reseed, save_checkpoint
from arena.errors import AgentError, UsageError
from arena.plugins.ppo_agent.config import PPOConfig
from arena.plugins.ppo_agent.league import League
from arena.plugins.ppo_agent.losses import Losses, compute_gae, ppo_loss
from arena.plugins.ppo_agent.manifest import AGENT
from arena.plugins.ppo_agent.model import ActorCritic, load_state, load_weights
from arena.plugins.ppo_agent.report import plot_league, plot_learning_curve
from arena.plugins.ppo_agent.vec_env import Episode, RayRolloutWorkers, RolloutWorkers

TRAINING_STATE, MODEL = "training-state", "model"
UPDATE_FIELDS = [
    "update",
    "global_step",
    "learning_rate",
    "policy_loss",
    "value_loss",
    "entropy",
    "approx_kl",
    "clip_fraction",
    "explained_variance",
    "steps_per_second",
    "mean_return",
    "mean_progress",
    "episodes",
]
EPISODE_FIELDS = [
    "global_step",
    "env",
    "return",
    "frames",
    "progress",
    "done_reason",
    "opponent",
    "outcome",
]


def available_devices() -> list[str]:
    """The torch devices this machine can train on."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    if torch.backends.mps.is_available():
        found.append("mps")
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        found.append("xpu")
    return found


def pick_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else the CPU; a device this machine lacks is one line
    naming those it has."""
    available = available_devices()
    if name == "auto":
        name = "cuda" if "cuda" in available else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(
            f"--device {name!r} is not a torch device",
            f"this machine has: auto, {', '.join(available)}",
        ) from None
    if str(device) not in available and device.type not in available:
        raise UsageError(
            f"--device {name}: not available on this machine",
            f"it has: auto, {', '.join(available)}",
        )
    if device.type == "cuda" and device.index is not None and str(device) not in available:
        raise UsageError(f"--device {name}: no such GPU here", f"it has: {', '.join(available)}")
    return device


def slow_bf16_warning(precision: str) -> str | None:
    """The line to print when ``precision: bfloat16`` meets a CPU that torch says lacks native
    bf16 (neither AVX512-BF16 nor AMX, as on AVX2-only CPUs): its rollouts, and its updates on
    the CPU, then run bf16 emulated, several times slower than float32. None otherwise, and
    where torch cannot tell (CPUs other than x86)."""
    if precision != "bfloat16":
        return None
    cpu = torch.cpu
    probes = [getattr(cpu, name, None) for name in CPU_BF16_PROBES]
    if not all(callable(probe) for probe in probes):
        return None
    if any(probe() for probe in probes):  # type: ignore[misc]
        return None
    if not getattr(cpu, "_is_avx2_supported", lambda: False)():  # not an x86 torch can read
        return None
    return (
        "warning: precision bfloat16 on a CPU without native bf16 (no AVX512-BF16, no AMX): "
        "bf16 is emulated here and runs several times slower than float32; "
        "--set precision=float32 is faster on this machine"
    )


CPU_BF16_PROBES = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
"""torch's readings of the CPU's native bf16 instructions (x86)."""


def keep_freed_memory() -> None:
    """Let glibc's malloc keep freed blocks of up to 32 MiB instead of returning them to the OS.

    Every update allocates the same ~100 MiB of activations and gradients afresh; by default
    blocks that large are mmap'd and unmapped each time, so every update page-faults them in
    again (8% of a CPU update here on average, up to 25%). PyTorch's CPU tuning guide gets the
    same from jemalloc or tcmalloc; here it is two mallopt calls. Off glibc it does nothing.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 32 * 2**20)  # the largest glibc accepts
    mallopt(m_trim_threshold, 2**30)


@dataclass
class Batch:
    """One rollout flattened to (num_steps * num_envs, ...) on the learner's device, with the
    advantages and returns GAE estimated for it."""

    pixels: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor


class PPORun:
    """One ``arena train ppo`` run: :meth:`train` is the algorithm, top to bottom."""

    def __init__(self, run: TrainRun, config: PPOConfig, device: torch.device) -> None:
        self.run, self.config, self.device = run, config, device
        self.observation = dataclasses.asdict(run.profile.observation)
        self.setup = EnvSetup.of(run, self.observation)
        self.observation_shape = self._shape()
        self.n_actions = len(run.profile.actions)
        self.manifest = {
            "agent": AGENT,
            "profile": run.profile.name,
            "state": run.state,
            "config_hash": config.digest(),
            "config": config.model_dump(),
            "observation": self.observation,
            "training_protocol": run.protocol.as_dict(),
            "observation_shape": list(self.observation_shape),
            "n_actions": self.n_actions,
        }
        self.global_step, self.update = 0, 0
        self.league: League | None = None
        self.recent: deque[tuple[float, float | None]] = deque(maxlen=100)

    def _shape(self) -> tuple[int, ...]:
        spec = self.run.profile.observation
        if not spec.grayscale or spec.resize is None:  # ActorCritic needs a fixed gray size
            raise AgentError(
                f"ppo needs a gray, resized observation; profile {self.run.profile.name!r} "
                "sets grayscale false or resize null"
            )
        return (spec.frame_stack, *spec.resize)

    # -- the algorithm -------------------------------------------------------------------

    def train(self) -> None:
        self.set_up()
        self.learn()
        self.finish()

    def learn(self) -> None:
        """The updates, from where :meth:`set_up` left the run."""
        config = self.config
        try:
            with self.run.saving_on_interrupt(self.save_interrupted):
                for update in range(self.update + 1, config.num_updates + 1):
                    started, self.update = time.perf_counter(), update
                    reseed(self.run.seed, update)  # the minibatch shuffles
                    self.anneal_learning_rate()
                    finished = self.collect_rollout()
                    batch = self.estimate_advantages()
                    losses, clip_fraction = self.optimize(batch)
                    self.actor.load_state_dict(self.agent.state_dict())  # the workers see it
                    self.log(finished, batch, losses, clip_fraction, started)
                    if self.league is not None and self.league.due(self.global_step):
                        self.league.snapshot(self.global_step, self.save_model)
                    if self.global_step - self.last_checkpoint >= config.checkpoint_every:
                        self.save_training_state(self.global_step, self.update)
        finally:
            self.workers.close()
            self.bar.close()
            if self.board is not None:
                self.board.close()

    def finish(self) -> None:
        """The last resumable checkpoint and the model to play."""
        self.save_training_state(self.global_step, self.update)
        model = self.run.out / "model.ckpt"
        self.save_model(model)
        self.run.finished(model, AGENT, f"model ({self.global_step:,} steps)")

    def save_model(self, path: Path) -> None:
        """The policy as it stands, to play (``model.ckpt``, a league's snapshots)."""
        manifest = {**self.manifest, "kind": MODEL, "global_step": self.global_step}
        payload = self._payload(self.global_step, self.update, with_optimizer=False)
        save_checkpoint(path, manifest, payload, "torch")

    def anneal_learning_rate(self) -> None:
        """Linearly from ``learning_rate`` to 0 over the run, when ``anneal_lr``."""
        if self.config.anneal_lr:
            fraction = 1.0 - (self.update - 1.0) / self.config.num_updates
            self.optimizer.param_groups[0]["lr"] = fraction * self.config.learning_rate

    def collect_rollout(self) -> list[Episode]:
        """Every env plays ``num_steps`` steps with the current policy (in the workers); in a
        league, against opponents drawn from it, and every game is rated."""
        finished = self.workers.rollout(None if self.league is None else self.league.pool())
        if self.league is not None:
            self.league.played(finished)
        for episode in finished:
            self.recent.append((episode.episode_return, episode.progress))
            self.episodes_log.append(
                {
                    "global_step": self.global_step + (episode.step + 1) * self.config.num_envs,
                    "env": episode.env,
                    "return": episode.episode_return,
                    "frames": episode.frames,
                    "progress": episode.progress,
                    "done_reason": episode.done_reason,
                    "opponent": episode.opponent or "",
                    "outcome": "" if episode.outcome is None else episode.outcome,
                }
            )
        self.global_step += self.config.batch_size
        return finished

    def estimate_advantages(self) -> Batch:
        """Generalized advantage estimation, bootstrapped from the value after the rollout."""
        rollout, device, config = self.workers.buffers, self.device, self.config
        values = rollout.values.to(device)
        with torch.no_grad(), self.autocast():
            next_value = self.agent.value(self.agent.pixels(rollout.next_observation.to(device)))
        advantages, returns = compute_gae(
            rollout.rewards.to(device) * config.reward_scale,
            values,
            rollout.dones.to(device),
            next_value.float(),
            rollout.next_done.to(device),
            config.gamma,
            config.gae_lambda,
        )
        observations = rollout.observations.to(device).reshape((-1, *self.observation_shape))
        return Batch(
            pixels=self.agent.pixels(observations),
            actions=rollout.actions.to(device).reshape(-1),
            logprobs=rollout.logprobs.to(device).reshape(-1),
            values=values.reshape(-1),
            advantages=advantages.reshape(-1),
            returns=returns.reshape(-1),
        )

    def optimize(self, batch: Batch) -> tuple[Losses, float]:
        """``update_epochs`` epochs of minibatch steps on the clipped surrogate; the last
        minibatch's losses and the mean clip fraction."""
        config, clip_fractions = self.config, []
        for _epoch in range(config.update_epochs):
            for mb in self.minibatches():
                with self.autocast():
                    new_logprob, entropy, new_value = self.agent.action_and_value(
                        batch.pixels[mb], batch.actions[mb]
                    )
                losses = ppo_loss(
                    new_logprob.float(),
                    batch.logprobs[mb],
                    entropy.float(),
                    new_value.float(),
                    batch.values[mb],
                    batch.advantages[mb],
                    batch.returns[mb],
                    clip_coef=config.clip_coef,
                    ent_coef=config.ent_coef,
                    vf_coef=config.vf_coef,
                    clip_vloss=config.clip_vloss,
                    norm_adv=config.norm_adv,
                )
                clip_fractions.append(losses.clip_fraction)
                self.optimizer.zero_grad()
                losses.total.backward()
                nn.utils.clip_grad_norm_(self.agent.parameters(), config.max_grad_norm)
                self.optimizer.step()
            if config.target_kl is not None and losses.approx_kl > config.target_kl:
                break
        return losses, float(np.mean(clip_fractions))

    def minibatches(self) -> list[torch.Tensor] | list[slice]:
        """One epoch's minibatches: a random split of the batch's indices.

        A single minibatch is the whole batch in rollout order: its losses are means, which a
        shuffle does not change, and a slice spares copying the batch's pixels every epoch.
        """
        if self.config.num_minibatches == 1:
            return [slice(None)]
        order = torch.randperm(self.config.batch_size, device=self.device)
        return list(order.split(self.config.minibatch_size))

    # -- around the algorithm: set-up, speed, logs, checkpoints ----------------------------

    def set_up(self) -> None:
        """The networks, the optimizer, the state to resume from, the workers and the logs."""
        run, config, device = self.run, self.config, self.device
        reseed(run.seed, 0)  # the initial weights
        self.agent = ActorCritic(self.observation_shape, self.n_actions).to(device)
        self.tune_for_speed()
        # fused: one kernel for the whole Adam step rather than a dozen per parameter tensor
        self.optimizer = optim.Adam(
            self.agent.parameters(), lr=config.learning_rate, eps=1e-5, fused=True
        )
        if run.resume:
            self._restore()
        where = "CUDA " + torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
        warning = slow_bf16_warning(config.precision)  # rollouts run on the CPU, always
        if warning:
            print(warning, flush=True)
        print(
            f"ppo on {run.profile.title}, {run.state}: "
            f"{config.num_envs} envs x {config.num_steps} steps, "
            f"{config.total_steps:,} steps in all, device {device} ({where})"
            + (f", resuming at step {self.global_step:,}" if run.resume else ""),
            flush=True,
        )
        run.started()
        self.updates_log = CsvLog(
            run.out / "train.csv",
            UPDATE_FIELDS,
            keep_below=self.update + 1 if run.resume else None,
        )
        self.episodes_log = CsvLog(
            run.out / "episodes.csv",
            EPISODE_FIELDS,
            keep_below=self.global_step + 1 if run.resume else None,
        )
        self.board = _tensorboard(run.out)
        self.last_checkpoint = self.global_step
        if run.opponent == LEAGUE:  # before the workers: they start with the league's pool
            self.league = League(run, config, self.global_step)
            if self.league.due(self.global_step):
                self.league.snapshot(self.global_step, self.save_model)
            self.setup = dataclasses.replace(self.setup, opponent=self.league.pool())
        # The actor: a CPU copy of the policy that the env workers sample from during rollouts.
        self.actor = ActorCritic(self.observation_shape, self.n_actions)
        self.actor = self.actor.to(memory_format=torch.channels_last)
        self.actor.load_state_dict(self.agent.state_dict())
        workers = RayRolloutWorkers if run.options.get("backend") == "ray" else RolloutWorkers
        self.workers: RolloutWorkers | RayRolloutWorkers = workers(
            self.setup,
            config.num_envs,
            config.num_steps,
            run.seed + self.global_step,
            self.observation_shape,
            self.actor,
            config.precision == "bfloat16",
        )
        self.bar = tqdm(
            total=config.num_updates * config.batch_size,
            initial=self.global_step,
            unit="step",
            unit_scale=True,
            disable=None,
            leave=False,
        )

    def tune_for_speed(self) -> None:
        """Every speed setting of the learner in one place; none changes what is computed.

        On the CPU: channels-last, the convolutions' fastest layout, and glibc keeping freed
        memory (see :func:`keep_freed_memory`). bf16 autocast (``precision: bfloat16``) is
        :meth:`autocast`; the env workers act with one thread each (``RolloutWorker``).
        """
        if self.device.type == "cpu":
            self.agent = self.agent.to(memory_format=torch.channels_last)
            keep_freed_memory()

    def autocast(self) -> torch.autocast:
        """bf16 autocast when the config asks for it (a no-op context otherwise)."""
        enabled = self.config.precision == "bfloat16"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def log(
        self,
        finished: list[Episode],
        batch: Batch,
        losses: Losses,
        clip_fraction: float,
        started: float,
    ) -> None:
        """A row of ``train.csv`` (and TensorBoard), the progress bar; stop on NaN losses."""
        variance = batch.returns.var()
        explained = (
            float("nan")
            if variance == 0
            else float(1 - (batch.returns - batch.values).var() / variance)
        )
        seconds = time.perf_counter() - started
        mean_return = np.mean([r for r, _ in self.recent]) if self.recent else float("nan")
        progress = [p for _, p in self.recent if p is not None]
        row = {
            "update": self.update,
            "global_step": self.global_step,
            "learning_rate": self.optimizer.param_groups[0]["lr"],
            "policy_loss": losses.policy.item(),
            "value_loss": losses.value.item(),
            "entropy": losses.entropy.item(),
            "approx_kl": losses.approx_kl.item(),
            "clip_fraction": clip_fraction,
            "explained_variance": explained,
            "steps_per_second": round(self.config.batch_size / seconds),
            "mean_return": mean_return,
            "mean_progress": np.mean(progress) if progress else "",
            "episodes": len(finished),
        }
        if not all(np.isfinite([row["policy_loss"], row["value_loss"], row["entropy"]])):
            raise AgentError(
                f"update {self.update}: losses are no longer finite ({row}); "
                "lower learning_rate or max_grad_norm"
            )
        self.updates_log.append(row)
        if self.board is not None:
            for key, value in row.items():
                if isinstance(value, int | float) and key not in ("update", "global_step"):
                    self.board.add_scalar(key, value, self.global_step)
        self.bar.update(self.config.batch_size)
        self.bar.set_postfix(
            steps_per_s=row["steps_per_second"], recent_return=f"{mean_return:.1f}"
        )

    def save_training_state(self, step: int, update: int) -> Path:
        """A resumable checkpoint ``checkpoints/step-N.ckpt``, and the learning curve."""
        manifest = {**self.manifest, "kind": TRAINING_STATE, "global_step": step}
        payload = self._payload(step, update, with_optimizer=True)
        path = self.run.save_resumable(f"step-{step:010d}.ckpt", manifest, payload, "torch")
        self.last_checkpoint = step
        plot_learning_curve(self.run.out, f"ppo on {self.run.profile.name}")
        if self.league is not None:
            self.league.save(step)
            plot_league(self.run.out, f"the league on {self.run.profile.name}")
        return path

    def save_interrupted(self) -> str:
        """Ctrl-C: the interrupted update is redone on resume, so the save is labelled with
        the last whole one."""
        update = self.update - 1
        path = self.save_training_state(update * self.config.batch_size, update)
        return f"saved {path}"

    def _payload(self, step: int, update: int, with_optimizer: bool) -> bytes:
        state: dict[str, Any] = {"model": self.agent.state_dict(), "global_step": step}
        state["update"] = update
        if with_optimizer:
            state["optimizer"] = self.optimizer.state_dict()
        buffer = io.BytesIO()
        torch.save(state, buffer)
        return buffer.getvalue()

    def _restore(self) -> None:
        path, _manifest, payload = self.run.load_latest(
            AGENT,
            TRAINING_STATE,
            "torch",
            self.manifest["config_hash"],
            "--steps/--envs/--set/--config",
        )
        state = load_state(payload, path, self.device)
        load_weights(self.agent, state, path)
        self.optimizer.load_state_dict(state["optimizer"])
        self.global_step, self.update = int(state["global_step"]), int(state["update"])


def _tensorboard(out: Path) -> Any:
    """A TensorBoard writer when the tensorboard extra is installed, else None."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(out / "tensorboard"))
