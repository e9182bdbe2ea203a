"""neat-python's networks, compiled to numpy arrays for the per-step activation.

neat-python builds the network (``FeedForwardNetwork.create`` / ``RecurrentNetwork.create``:
which nodes matter, in which order, with which functions); this module keeps that plan and
runs it with arrays: the inputs are one slice assignment instead of hundreds of dict writes,
and a ``sum`` node is one dot product. Node activation and any other aggregation function are
neat-python's own. The result equals neat-python's up to floating-point summation order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neat
import numpy as np
from neat.aggregations import sum_aggregation

NodeEval = tuple[
    int,
    Callable[[float], float],
    Callable[[Any], float] | None,
    float,
    float,
    np.ndarray,
    np.ndarray,
]


def _compile(net: Any) -> tuple[dict[int, int], list[NodeEval], np.ndarray]:
    """Slots for every node and the evaluation plan of ``net`` (a neat-python network)."""
    keys = list(
        dict.fromkeys([*net.input_nodes, *net.output_nodes, *(n[0] for n in net.node_evals)])
    )
    slot = {key: i for i, key in enumerate(keys)}
    plan: list[NodeEval] = []
    for node, activation, aggregation, bias, response, links in net.node_evals:
        sources = np.array([slot[i] for i, _ in links], dtype=np.intp)
        weights = np.array([w for _, w in links], dtype=np.float64)
        vectorized = None if aggregation is sum_aggregation else aggregation
        plan.append((slot[node], activation, vectorized, bias, response, sources, weights))
    outputs = np.array([slot[o] for o in net.output_nodes], dtype=np.intp)
    return slot, plan, outputs


def _node_value(values: np.ndarray, node: NodeEval) -> float:
    _, activation, aggregation, bias, response, sources, weights = node
    if aggregation is None:  # sum: one dot product
        total = float(values[sources] @ weights)
    else:
        total = aggregation((values[sources] * weights).tolist())
    return activation(bias + response * total)


class FeedForward:
    """A compiled ``neat.nn.FeedForwardNetwork``."""

    def __init__(self, genome: neat.DefaultGenome, config: neat.Config) -> None:
        slot, self.plan, self.outputs = _compile(neat.nn.FeedForwardNetwork.create(genome, config))
        self.n_inputs = len(config.genome_config.input_keys)
        self.values = np.zeros(len(slot))

    def activate(self, inputs: np.ndarray) -> np.ndarray:
        values = self.values
        values[: self.n_inputs] = inputs
        for node in self.plan:
            values[node[0]] = _node_value(values, node)
        return values[self.outputs]


class Recurrent:
    """A compiled ``neat.nn.RecurrentNetwork``: every node reads the previous step's values,
    so the network's memory is the two value buffers this object holds."""

    def __init__(self, genome: neat.DefaultGenome, config: neat.Config) -> None:
        slot, self.plan, self.outputs = _compile(neat.nn.RecurrentNetwork.create(genome, config))
        self.n_inputs = len(config.genome_config.input_keys)
        self.previous = np.zeros(len(slot))
        self.current = np.zeros(len(slot))

    def activate(self, inputs: np.ndarray) -> np.ndarray:
        self.previous, self.current = self.current, self.previous
        previous, current = self.previous, self.current
        previous[: self.n_inputs] = inputs
        current[: self.n_inputs] = inputs
        for node in self.plan:
            current[node[0]] = _node_value(previous, node)
        return current[self.outputs]
