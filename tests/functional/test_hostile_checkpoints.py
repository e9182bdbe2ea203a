"""Checkpoints are safe to point at: nothing in one is unpickled, a payload that would run
code is refused in one line, and the payload never runs. Real checkpoints are trained here,
then tampered with as an attacker would."""

import json
import os
import pickle
import zipfile
from pathlib import Path

import pytest

from arena.play.checkpoints import MANIFEST, PAYLOAD
from conftest import arena


class RunsCode:
    """Unpickling this runs ``os.system(command)``: the classic malicious pickle."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    neat_run = arena(
        "train", "neat-ff", "--game", "airstriker", "--generations", "2", "--pop", "6",
        "--max-frames", "300", "--no-record", "--out", str(root / "neat"),
    )  # fmt: skip
    assert neat_run.returncode == 0, neat_run.stderr
    ppo_run = arena(
        "train", "ppo", "--game", "airstriker", "--steps", "256", "--envs", "2",
        "--max-frames", "300", "--set", "num_steps=64", "--set", "num_minibatches=1",
        "--out", str(root / "ppo"),
    )  # fmt: skip
    assert ppo_run.returncode == 0, ppo_run.stderr
    return root


def tamper(source: Path, target: Path, payload: bytes, **manifest_changes) -> Path:
    """``source`` with its payload replaced and its manifest edited (None deletes a key)."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    for key, value in manifest_changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        archive.writestr(PAYLOAD, payload)
    return target


def kinds(root: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each checkpoint kind with the command that loads it."""
    genome = root / "neat" / "winner.ckpt"
    population = sorted((root / "neat" / "checkpoints").glob("*.ckpt"))[-1]
    model = root / "ppo" / "model.ckpt"
    state = sorted((root / "ppo" / "checkpoints").glob("*.ckpt"))[-1]
    play = ["run", "--game", "airstriker", "--max-frames", "100", "--checkpoint"]
    return {
        "neat genome": (genome, [*play, "{ckpt}", "--agent", "neat-ff"]),
        "neat population": (population, ["train", "neat-ff", "--out", "{run}", "--resume"]),
        "ppo model": (model, [*play, "{ckpt}", "--agent", "ppo"]),
        "ppo training state": (state, ["train", "ppo", "--out", "{run}", "--resume"]),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind", ["neat genome", "neat population", "ppo model", "ppo training state"]
)
@pytest.mark.parametrize("claims", ["as written", "old format"])
def test_a_payload_that_would_run_code_is_refused_and_never_runs(trained, tmp_path, kind, claims):
    source, command = kinds(trained)[kind]
    marker = tmp_path / "pwned"
    payload = pickle.dumps(RunsCode(f"touch {marker}"))
    # "old format": the manifest of a checkpoint written before payloads were pickle-free.
    changes = {"encoding": None} if claims == "old format" else {}
    if "{run}" in command:  # a run folder whose latest checkpoint is the tampered one
        run = tmp_path / "run"
        (run / "checkpoints").mkdir(parents=True)
        (run / "train-args.json").write_text((source.parents[1] / "train-args.json").read_text())
        tamper(source, run / "checkpoints" / source.name, payload, **changes)
        args = [a.replace("{run}", str(run)) for a in command]
    else:
        target = tamper(source, tmp_path / "evil.ckpt", payload, **changes)
        args = [a.replace("{ckpt}", str(target)) for a in command]
    result = arena(*args)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and "weights_only=False" not in result.stderr
    assert not marker.exists()  # nothing ran
    if kind.startswith("neat"):
        expected = "is not loaded" if claims == "old format" else "the payload is not JSON"
    else:
        expected = "holds something other than tensors and numbers; refused without loading it"
    assert expected in result.stderr, result.stderr


@pytest.mark.slow  # its checkpoints are trained first
def test_json_genomes_may_set_only_the_genes_declared_attributes(trained, tmp_path):
    genome = trained / "neat" / "winner.ckpt"
    with zipfile.ZipFile(genome) as archive:
        data = json.loads(archive.read(PAYLOAD))
    data["nodes"][0]["__class__"] = "os.system"
    evil = tamper(genome, tmp_path / "evil.ckpt", json.dumps(data).encode())
    result = arena("run", "--game", "airstriker", "--agent", "neat-ff", "--checkpoint", str(evil))
    assert result.returncode == 7
    assert "malformed NEAT data: node 0 has unknown attributes ['__class__']" in result.stderr


def test_nothing_in_the_arena_unpickles():
    root = Path(__file__).resolve().parents[2]
    # One exception: a Ray task's arguments, pickled by the command itself and carried by Ray's
    # own pickle-based transport to its workers, are unpickled there once the import path is
    # right (arena/core/ray_entry.py). No file reaches that code.
    carried = root / "arena" / "core" / "ray_entry.py"
    for path in [*root.glob("arena/**/*.py"), *root.glob("plugins/**/*.py")]:
        if path == carried:
            continue
        text = path.read_text()
        assert "pickle.load" not in text and "weights_only=False" not in text, path
