"""NEAT genomes and populations as plain data (JSON), never pickle.

A shared checkpoint must be safe to load: unpickling runs whatever the file says. Here every
object is rebuilt from numbers, strings and lists by this module, and only the attributes the
config's gene classes declare are set; anything else in the file is an error, not code.
"""

from __future__ import annotations

import json
import math
from itertools import count
from typing import Any

import neat

from arena.errors import AgentError

Genome = Any  # neat.DefaultGenome, or the genome type a config names
SCALARS = (int, float, str, bool)


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise AgentError(f"malformed NEAT data: {what}")


def _gene_fields(gene_type: type) -> list[str]:
    return [attribute.name for attribute in gene_type._gene_attributes]  # type: ignore[attr-defined]


# -- genomes -------------------------------------------------------------------------------


def encode_genome(genome: Genome) -> dict[str, Any]:
    nodes = [
        {"key": key, **{f: getattr(gene, f) for f in _gene_fields(type(gene))}}
        for key, gene in sorted(genome.nodes.items())
    ]
    connections = [
        {
            "key": list(key),
            "innovation": gene.innovation,
            **{f: getattr(gene, f) for f in _gene_fields(type(gene))},
        }
        for key, gene in sorted(genome.connections.items())
    ]
    return {
        "key": genome.key,
        "fitness": genome.fitness,
        "nodes": nodes,
        "connections": connections,
    }


def _integer(value: Any, what: str) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool), f"{what} is not an integer")
    return int(value)


def _attributes(gene: Any, record: dict[str, Any], fields: list[str], what: str) -> None:
    extra = set(record) - set(fields) - {"key", "innovation"}
    _require(not extra, f"{what} has unknown attributes {sorted(extra)}")
    for field in fields:
        _require(field in record, f"{what} lacks {field!r}")
        value = record[field]
        _require(isinstance(value, SCALARS), f"{what}.{field} is not a number or name")
        if isinstance(value, float):
            _require(math.isfinite(value), f"{what}.{field} is not finite")
        setattr(gene, field, value)


def decode_genome(data: Any, config: neat.Config) -> Genome:
    _require(isinstance(data, dict), "a genome is not a mapping")
    genome_config = config.genome_config
    genome = config.genome_type(_integer(data.get("key"), "genome key"))
    fitness = data.get("fitness")
    _require(fitness is None or isinstance(fitness, int | float), "fitness is not a number")
    genome.fitness = fitness
    node_type, connection_type = genome_config.node_gene_type, genome_config.connection_gene_type
    _require(isinstance(data.get("nodes"), list), "nodes is not a list")
    for record in data["nodes"]:
        _require(isinstance(record, dict), "a node is not a mapping")
        key = _integer(record.get("key"), "node key")
        gene = node_type(key)
        _attributes(gene, record, _gene_fields(node_type), f"node {key}")
        genome.nodes[key] = gene
    _require(isinstance(data.get("connections"), list), "connections is not a list")
    for record in data["connections"]:
        _require(isinstance(record, dict), "a connection is not a mapping")
        pair = record.get("key")
        _require(isinstance(pair, list) and len(pair) == 2, "a connection key is not a pair")
        pair_key = (_integer(pair[0], "connection input"), _integer(pair[1], "connection output"))
        innovation = _integer(record.get("innovation"), "innovation")
        gene = connection_type(pair_key, innovation=innovation)
        _attributes(gene, record, _gene_fields(connection_type), f"connection {pair_key}")
        genome.connections[pair_key] = gene
    return genome


def dumps_genome(genome: Genome) -> bytes:
    return json.dumps(encode_genome(genome)).encode()


def loads_genome(payload: bytes, config: neat.Config) -> Genome:
    return decode_genome(_json(payload), config)


# -- populations ---------------------------------------------------------------------------


def dumps_population(population: neat.Population, next_genome_key: int) -> bytes:
    """Everything evolution needs to go on exactly: genomes, species, innovation numbers and
    counters. (The trainer reseeds ``random`` every generation, so no RNG state is kept.)"""
    genomes: dict[int, dict[str, Any]] = {}  # id(genome) -> encoded, each genome once

    def ref(genome: Genome | None) -> int | None:
        if genome is None:
            return None
        if id(genome) not in genomes:
            genomes[id(genome)] = encode_genome(genome)
        return list(genomes).index(id(genome))

    members = {key: ref(genome) for key, genome in population.population.items()}
    species_set = population.species
    species = [
        {
            "key": s.key,
            "created": s.created,
            "last_improved": s.last_improved,
            "representative": ref(s.representative),
            "members": {str(k): ref(g) for k, g in s.members.items()},
            "fitness": s.fitness,
            "adjusted_fitness": s.adjusted_fitness,
            "fitness_history": list(s.fitness_history),
        }
        for s in species_set.species.values()
    ]
    next_species = next(species_set.indexer)
    species_set.indexer = count(next_species)  # put back the id we read
    tracker = population.reproduction.innovation_tracker
    # Before the genome list is taken: the best genome may have left the population.
    best = ref(population.best_genome)
    state = {
        "generation": population.generation,
        "genomes": list(genomes.values()),
        "population": {str(k): v for k, v in members.items()},
        "species": species,
        "genome_to_species": {str(k): v for k, v in species_set.genome_to_species.items()},
        "next_species_key": next_species,
        "next_genome_key": next_genome_key,
        "innovation_counter": tracker.global_counter,
        "generation_innovations": [
            [i, o, kind, number] for (i, o, kind), number in tracker.generation_innovations.items()
        ],
        "best_genome": best,
    }
    return json.dumps(state).encode()


def loads_population(payload: bytes, config: neat.Config) -> neat.Population:
    """A population rebuilt from :func:`dumps_population`'s data."""
    state = _json(payload)
    try:
        return _population(state, config)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise AgentError(f"malformed NEAT population: {type(exc).__name__}: {exc}") from None


def _population(state: dict[str, Any], config: neat.Config) -> neat.Population:
    genomes = [decode_genome(g, config) for g in state["genomes"]]

    def genome(index: Any) -> Genome | None:
        if index is None:
            return None
        return genomes[_integer(index, "genome reference")]

    population_map = {int(k): genome(v) for k, v in state["population"].items()}
    _require(bool(population_map) and all(population_map.values()), "the population is empty")
    species_set = config.species_set_type(config.species_set_config, None)
    for record in state["species"]:
        species = neat.species.Species(_integer(record["key"], "species key"), 0)
        species.created = _integer(record["created"], "species created")
        species.last_improved = _integer(record["last_improved"], "species last_improved")
        species.representative = genome(record["representative"])
        species.members = {int(k): genome(v) for k, v in record["members"].items()}
        species.fitness = _number_or_none(record["fitness"])
        species.adjusted_fitness = _number_or_none(record["adjusted_fitness"])
        species.fitness_history = [float(f) for f in record["fitness_history"]]
        species_set.species[species.key] = species
    species_set.genome_to_species = {
        int(k): _integer(v, "species id") for k, v in state["genome_to_species"].items()
    }
    species_set.indexer = count(_integer(state["next_species_key"], "next species key"))
    generation = _integer(state["generation"], "generation")
    population = neat.Population(config, (population_map, species_set, generation))
    tracker = neat.innovation.InnovationTracker(
        _integer(state["innovation_counter"], "innovation counter")
    )
    tracker.generation_innovations = {
        (int(i), int(o), str(kind)): int(number)
        for i, o, kind, number in state["generation_innovations"]
    }
    population.reproduction.innovation_tracker = tracker
    config.genome_config.innovation_tracker = tracker
    population.reproduction.genome_indexer = count(
        _integer(state["next_genome_key"], "next genome key")
    )
    population.best_genome = genome(state["best_genome"])
    return population


def _number_or_none(value: Any) -> float | None:
    _require(value is None or isinstance(value, int | float), f"{value!r} is not a number")
    return None if value is None else float(value)


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise AgentError("malformed NEAT data: the payload is not JSON") from None
