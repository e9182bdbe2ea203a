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
import random
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn, optim
from tqdm import tqdm

from arena.checkpoints import load_checkpoint, save_checkpoint
from arena.errors import AgentError, UsageError
from arena.plugins.ppo_agent.config import PPOConfig
from arena.plugins.ppo_agent.losses import compute_gae, ppo_loss
from arena.plugins.ppo_agent.manifest import AGENT
from arena.plugins.ppo_agent.model import ActorCritic, load_state, load_weights
from arena.plugins.ppo_agent.report import plot_learning_curve
from arena.plugins.ppo_agent.vec_env import EnvSetup, RolloutWorkers
from arena.training import CsvLog, TrainRun

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
EPISODE_FIELDS = ["global_step", "env", "return", "frames", "progress", "done_reason"]


def pick_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {name}: CUDA is not available here", "use --device cpu or auto")
    try:
        return torch.device(name)
    except RuntimeError:
        raise UsageError(
            f"--device {name!r} is not a torch device", "use auto, cpu or cuda"
        ) from None


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


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class PPORun:
    def __init__(self, run: TrainRun, config: PPOConfig, device: torch.device) -> None:
        self.run, self.config, self.device = run, config, device
        self.observation = dataclasses.asdict(run.profile.observation)
        self.setup = EnvSetup(
            run.profile.source,
            run.profile.name,
            run.state,
            run.profile.max_frames,
            self.observation,
            run.protocol,
        )
        frame = run.profile.observation
        height, width = frame.resize or (0, 0)  # ActorCritic needs a fixed size; see _shape
        self.observation_shape = self._shape(height, width)
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
        self.checkpoints = run.out / "checkpoints"

    def _shape(self, height: int, width: int) -> tuple[int, ...]:
        spec = self.run.profile.observation
        if not spec.grayscale or spec.resize is None:
            raise AgentError(
                f"ppo needs a gray, resized observation; profile {self.run.profile.name!r} "
                "sets grayscale false or resize null"
            )
        return (spec.frame_stack, height, width)

    def minibatches(self) -> list[torch.Tensor] | list[slice]:
        """One epoch's minibatches: a random split of the batch's indices.

        A single minibatch is the whole batch in rollout order: its losses are means, which a
        shuffle does not change, and a slice spares copying the batch's pixels every epoch.
        """
        if self.config.num_minibatches == 1:
            return [slice(None)]
        order = torch.randperm(self.config.batch_size, device=self.device)
        return list(order.split(self.config.minibatch_size))

    def autocast(self) -> torch.autocast:
        """bf16 autocast when the config asks for it (a no-op context otherwise)."""
        enabled = self.config.precision == "bfloat16"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    # -- checkpoints ---------------------------------------------------------------------

    def _save(
        self,
        path: Path,
        kind: str,
        agent: ActorCritic,
        optimizer: optim.Optimizer | None,
        global_step: int,
        update: int,
    ) -> None:
        state: dict[str, Any] = {
            "model": agent.state_dict(),
            "global_step": global_step,
            "update": update,
        }
        if optimizer is not None:
            state["optimizer"] = optimizer.state_dict()
            state["torch_rng"] = torch.get_rng_state()
            state["python_rng"] = list(random.getstate()[1])
        buffer = io.BytesIO()
        torch.save(state, buffer)
        manifest = {**self.manifest, "kind": kind, "global_step": global_step}
        save_checkpoint(path, manifest, buffer.getvalue(), "torch")
        if kind == TRAINING_STATE:
            self.run.checkpoint_saved()

    def _restore(self, agent: ActorCritic, optimizer: optim.Optimizer) -> tuple[int, int]:
        found = sorted(self.checkpoints.glob("step-*.ckpt"))
        if not found:
            raise UsageError(f"--resume: no checkpoint in {self.checkpoints}")
        manifest, payload = load_checkpoint(found[-1], AGENT, TRAINING_STATE, "torch")
        if manifest["config_hash"] != self.manifest["config_hash"]:
            raise AgentError(
                f"{found[-1]} was written with other hyperparameters than this command builds",
                "resume with the same --steps/--envs/--set/--config, or start a new --out",
            )
        state = load_state(payload, found[-1], self.device)
        load_weights(agent, state, found[-1])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"].cpu())
        random.setstate((3, tuple(state["python_rng"]), None))
        return int(state["global_step"]), int(state["update"])

    # -- the algorithm -------------------------------------------------------------------

    def train(self) -> None:
        run, config, device = self.run, self.config, self.device
        seed_everything(run.seed)
        agent = ActorCritic(self.observation_shape, self.n_actions).to(device)
        if device.type == "cpu":
            agent = agent.to(memory_format=torch.channels_last)
            keep_freed_memory()
        # fused: one kernel for the whole Adam step rather than a dozen per parameter tensor
        optimizer = optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5, fused=True)
        global_step, start_update = 0, 1
        if run.resume:
            global_step, update = self._restore(agent, optimizer)
            start_update = update + 1
        where = "CUDA " + torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
        print(
            f"ppo on {run.profile.title}, {run.state}: "
            f"{config.num_envs} envs x {config.num_steps} steps, "
            f"{config.total_steps:,} steps in all, device {device} ({where})"
            + (f", resuming at step {global_step:,}" if run.resume else ""),
            flush=True,
        )
        run.started()
        resumed_at = start_update if run.resume else None
        updates_log = CsvLog(run.out / "train.csv", UPDATE_FIELDS, keep_below=resumed_at)
        episodes_log = CsvLog(
            run.out / "episodes.csv",
            EPISODE_FIELDS,
            keep_below=global_step + 1 if run.resume else None,
        )
        board = _tensorboard(run.out)

        # The actor: a CPU copy of the policy that the env workers sample from during rollouts.
        actor = ActorCritic(self.observation_shape, self.n_actions)
        actor = actor.to(memory_format=torch.channels_last)
        actor.load_state_dict(agent.state_dict())
        bfloat16 = config.precision == "bfloat16"
        workers = RolloutWorkers(
            self.setup,
            config.num_envs,
            config.num_steps,
            run.seed + global_step,
            self.observation_shape,
            actor,
            bfloat16,
        )
        rollout = workers.buffers
        recent: deque[tuple[float, float | None]] = deque(maxlen=100)
        last_checkpoint = global_step
        bar = tqdm(
            total=config.num_updates * config.batch_size,
            initial=global_step,
            unit="step",
            unit_scale=True,
            disable=None,
            leave=False,
        )
        update = start_update - 1

        def checkpoint(step: int, update: int) -> None:
            path = self.checkpoints / f"step-{step:010d}.ckpt"
            self._save(path, TRAINING_STATE, agent, optimizer, step, update)
            plot_learning_curve(run.out, f"ppo on {run.profile.name}")

        try:
            for update in range(start_update, config.num_updates + 1):
                started = time.perf_counter()
                if config.anneal_lr:
                    fraction = 1.0 - (update - 1.0) / config.num_updates
                    optimizer.param_groups[0]["lr"] = fraction * config.learning_rate

                # 1. Rollout: every env plays num_steps steps with the current policy.
                finished = workers.rollout()
                for episode in finished:
                    recent.append((episode.episode_return, episode.progress))
                    episodes_log.append(
                        {
                            "global_step": global_step + (episode.step + 1) * config.num_envs,
                            "env": episode.env,
                            "return": episode.episode_return,
                            "frames": episode.frames,
                            "progress": episode.progress,
                            "done_reason": episode.done_reason,
                        }
                    )
                global_step += config.batch_size
                observations, actions = rollout.observations.to(device), rollout.actions.to(device)
                logprobs, values = rollout.logprobs.to(device), rollout.values.to(device)
                rewards = rollout.rewards.to(device) * config.reward_scale
                dones = rollout.dones.to(device)
                next_obs, next_done = (
                    rollout.next_observation.to(device),
                    rollout.next_done.to(device),
                )

                # 2. Generalized advantage estimation, bootstrapped from the last value.
                with torch.no_grad(), self.autocast():
                    next_value = agent.value(agent.pixels(next_obs)).float()
                advantages, returns = compute_gae(
                    rewards, values, dones, next_value, next_done, config.gamma, config.gae_lambda
                )

                # 3. Optimize the clipped surrogate for update_epochs epochs of minibatches.
                b_pixels = agent.pixels(observations.reshape((-1, *self.observation_shape)))
                b_actions, b_logprobs = actions.reshape(-1), logprobs.reshape(-1)
                b_advantages, b_returns, b_values = (
                    advantages.reshape(-1),
                    returns.reshape(-1),
                    values.reshape(-1),
                )
                clip_fractions, approx_kl = [], torch.tensor(0.0)
                for _epoch in range(config.update_epochs):
                    for mb in self.minibatches():
                        with self.autocast():
                            new_logprob, entropy, new_value = agent.action_and_value(
                                b_pixels[mb], b_actions[mb]
                            )
                        new_logprob, entropy, new_value = (
                            new_logprob.float(),
                            entropy.float(),
                            new_value.float(),
                        )
                        losses = ppo_loss(
                            new_logprob,
                            b_logprobs[mb],
                            entropy,
                            new_value,
                            b_values[mb],
                            b_advantages[mb],
                            b_returns[mb],
                            clip_coef=config.clip_coef,
                            ent_coef=config.ent_coef,
                            vf_coef=config.vf_coef,
                            clip_vloss=config.clip_vloss,
                            norm_adv=config.norm_adv,
                        )
                        approx_kl = losses.approx_kl
                        clip_fractions.append(losses.clip_fraction)
                        loss = losses.total
                        optimizer.zero_grad()
                        loss.backward()
                        nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
                        optimizer.step()
                    if config.target_kl is not None and approx_kl > config.target_kl:
                        break

                actor.load_state_dict(agent.state_dict())  # in place: the workers see it at once

                # 4. Log, plot, checkpoint.
                variance = b_returns.var()
                explained = (
                    float("nan")
                    if variance == 0
                    else float(1 - (b_returns - b_values).var() / variance)
                )
                seconds = time.perf_counter() - started
                mean_return = np.mean([r for r, _ in recent]) if recent else float("nan")
                progress = [p for _, p in recent if p is not None]
                row = {
                    "update": update,
                    "global_step": global_step,
                    "learning_rate": optimizer.param_groups[0]["lr"],
                    "policy_loss": losses.policy.item(),
                    "value_loss": losses.value.item(),
                    "entropy": losses.entropy.item(),
                    "approx_kl": approx_kl.item(),
                    "clip_fraction": float(np.mean(clip_fractions)),
                    "explained_variance": explained,
                    "steps_per_second": round(config.batch_size / seconds),
                    "mean_return": mean_return,
                    "mean_progress": np.mean(progress) if progress else "",
                    "episodes": len(finished),
                }
                if not all(np.isfinite([row["policy_loss"], row["value_loss"], row["entropy"]])):
                    raise AgentError(
                        f"update {update}: losses are no longer finite ({row}); "
                        "lower learning_rate or max_grad_norm"
                    )
                updates_log.append(row)
                if board is not None:
                    for key, value in row.items():
                        if isinstance(value, int | float) and key not in ("update", "global_step"):
                            board.add_scalar(key, value, global_step)
                bar.update(config.batch_size)
                bar.set_postfix(
                    steps_per_s=row["steps_per_second"], recent_return=f"{mean_return:.1f}"
                )
                if global_step - last_checkpoint >= config.checkpoint_every:
                    checkpoint(global_step, update)
                    last_checkpoint = global_step
        except KeyboardInterrupt:
            bar.close()
            # The interrupted update is redone on resume: label the save with the last whole one.
            done_steps = (update - 1) * config.batch_size
            path = self.checkpoints / f"step-{done_steps:010d}.ckpt"
            self._save(path, TRAINING_STATE, agent, optimizer, done_steps, update - 1)
            print(f"\ninterrupted; saved {path}\nresume with: {run.resume_command()}", flush=True)
            raise
        finally:
            workers.close()
            if board is not None:
                board.close()
        bar.close()
        checkpoint(global_step, update)
        self._save(run.out / "model.ckpt", MODEL, agent, None, global_step, update)
        model = run.out / "model.ckpt"
        play = f"arena run --agent ppo --checkpoint {model} --game {run.profile.name}"
        play += f" --state {run.state}"
        print(f"model: {model} ({global_step:,} steps); play it with: {play}", flush=True)


def _tensorboard(out: Path) -> Any:
    """A TensorBoard writer when the tensorboard extra is installed, else None."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(out / "tensorboard"))
