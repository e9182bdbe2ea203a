"""The PPO agent: its trainer (``arena train ppo``) and the agent that plays a trained model
(``arena run --agent ppo --checkpoint OUT/model.ckpt``). Hyperparameter defaults per game are
in ``defaults.yaml`` beside this module. torch is imported only when PPO is used."""

from __future__ import annotations

import click

from arena import Agent, AgentContext, RegisterAgent, RegisterTrainer, hookimpl
from arena.plugins.ppo_agent.manifest import observation_for
from arena.plugins.ppo_agent.trainer import PPOTrainer


def build(context: AgentContext) -> Agent:
    from arena.plugins.ppo_agent.agent import build as build_agent

    return build_agent(context)


@hookimpl
def arena_register_agents(register: RegisterAgent) -> None:
    register(
        "ppo",
        build,
        "a trained PPO actor-critic (--checkpoint; greedy, or --sample)",
        observation=observation_for,
        options=[
            click.Option(
                ["--sample"],
                type=click.BOOL,
                default=None,
                help="sample actions from the policy (default: greedy, or --sample)",
            )
        ],
        checkpoint=True,
    )


@hookimpl
def arena_register_trainers(register: RegisterTrainer) -> None:
    register("ppo", PPOTrainer())
