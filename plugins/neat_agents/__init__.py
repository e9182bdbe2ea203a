"""The NEAT agents, ``neat-ff`` (feed-forward) and ``neat-rnn`` (recurrent): their trainers
(``arena train neat-ff``) and the agents that play a saved genome (``arena run --agent neat-ff
--checkpoint OUT/winner.ckpt``). Configs are the .ini files beside this module."""

from __future__ import annotations

from arena import RegisterAgent, RegisterTrainer, hookimpl
from arena.plugins.neat_agents.agent import build_factory, observation_for
from arena.plugins.neat_agents.trainer import NeatTrainer

AGENTS = {"neat-ff": False, "neat-rnn": True}  # name -> recurrent


@hookimpl
def arena_register_agents(register: RegisterAgent) -> None:
    for name, recurrent in AGENTS.items():
        kind = "recurrent" if recurrent else "feed-forward"
        register(
            name,
            build_factory(name, recurrent),
            f"a trained {kind} NEAT network (--checkpoint)",
            observation=observation_for(name),
            options=[],
            checkpoint=True,
        )


@hookimpl
def arena_register_trainers(register: RegisterTrainer) -> None:
    for name, recurrent in AGENTS.items():
        register(name, NeatTrainer(name, recurrent))
