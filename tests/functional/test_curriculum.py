"""NEAT with a curriculum of start states (issue #35): the run makes the starts its store lacks
(as `arena state make` would), a genome's fitness is the sum of its returns over the starts,
the run's own state is the one judged, and a resume refuses starts that have changed."""

import json
import shutil
from pathlib import Path

import pytest

from arena.retro import integrations
from conftest import arena, csv_rows

MARIO = "SuperMarioBros-Nes-v0"
SHORT = ["--inputs", "tiles", "--pop", "4", "--workers", "2", "--max-frames", "300"]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An arena home holding Mario's ROM and its shipped states, and none the arena made."""
    rom = integrations.find_rom(MARIO)
    assert rom is not None
    folder = tmp_path / "home" / "integrations" / MARIO
    shutil.copytree(rom.parent, folder, ignore=shutil.ignore_patterns("*.arena.json"))
    for made in rom.parent.glob("*.arena.json"):  # states the arena made: not shipped
        (folder / made.name.replace(".arena.json", ".state")).unlink(missing_ok=True)
    return {"ARENA_HOME": str(tmp_path / "home")}


@pytest.mark.slow
def test_a_curriculum_run_makes_its_starts_sums_their_returns_and_resumes_on_them(home, tmp_path):
    out = tmp_path / "run"
    train = ("train", "neat-ff", "--game", "mario", "--curriculum", "mario-1-1", "--out", str(out))
    first = arena(*train, "--generations", "1", *SHORT, env=home)
    assert first.returncode == 0, first.stderr
    assert "Level1-1 (and 4 curriculum starts)" in first.stdout
    store = Path(home["ARENA_HOME"]) / "integrations" / MARIO
    made = json.loads((store / "Level1-1.x2437.arena.json").read_text())
    assert made["based_on"] == "Level1-1.x1650" and "arena state make mario" in made["made_by"]
    record = json.loads((out / "curriculum.json").read_text())
    assert list(record["starts"]) == [
        "Level1-1", "Level1-1.x1650", "Level1-1.x2083", "Level1-1.x2238", "Level1-1.x2437"
    ]  # fmt: skip
    [row] = csv_rows(out / "stats.csv")
    by_start = [float(x) for x in row["best_progress_by_start"].split(";")]
    assert by_start[0] == float(row["best_progress"]) and by_start[4] >= 2437
    # The fitness is the sum of the returns from each start, seed i from start i: the winner
    # played from each start on its own gives them again (the emulator is deterministic).
    winner = out / "winner.ckpt"
    returns = []
    for seed, state in enumerate(record["starts"]):
        results = tmp_path / f"start{seed}.jsonl"
        played = arena("run", "--agent", "neat-ff", "--checkpoint", str(winner), "--game",
                       "mario", "--state", state, "--seed", str(seed), "--max-frames", "300", "--sticky", "0",
                       "--results", str(results), env=home)  # fmt: skip
        assert played.returncode == 0, played.stderr
        returns.append(json.loads(results.read_text().splitlines()[-1])["returns"][0])
    assert sum(returns) == pytest.approx(float(row["best_fitness"]))
    # Its best genome's movie is from the run's own state, the one it is judged from.
    movie = out / row["best_movie"]
    assert json.loads(movie.with_suffix(".json").read_text())["state"] == "Level1-1"
    assert returns[0] == json.loads(movie.with_suffix(".json").read_text())["returns"][0]

    resumed = arena(*train, "--resume", "--generations", "2", env=home)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["generation"] for r in csv_rows(out / "stats.csv")] == ["0", "1"]
    # A start replaced since (another script, same name): the resume refuses it, in one line.
    changed = arena("state", "make", "mario", "--inputs", '[["right", 30]]', "--name",
                    "Level1-1.x2083", "--replace", env=home)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    refused = arena(*train, "--resume", "--generations", "3", env=home)
    assert refused.returncode == 2
    assert "the store's state 'Level1-1.x2083' is not the one its inputs make" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert [r["generation"] for r in csv_rows(out / "stats.csv")] == ["0", "1"]


def bad_curriculum(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("curriculum", "extra", "message"),
    [
        ("mario-9-9", [], "unknown curriculum 'mario-9-9'"),
        ("FILE:game: pong\nstarts: [{state: Start}]\n", [],
         "is for 'pong', this run plays 'mario'"),
        ("FILE:game: mario\nstarts: [{state: Nowhere}]\n", [], "Nowhere"),
        ("FILE:game: mario\nstarts: [{state: ../x, inputs: [[right, 1]]}]\n", [],
         "not a plain name"),
        ("FILE:game: mario\nstarts: [{state: A, inputs: [[fly, 1]]}]\n", [], "fly"),
        ("FILE:game: mario\nstarts: [{state: A, input: [[right, 1]]}]\n", [],
         "unknown key 'input'"),
        ("FILE:game: mario\nstarts: []\n", [], "starts"),
        ("FILE:!!python/object/apply:os.system [echo hi]\n", [], "run no code"),
    ],
)  # fmt: skip
def test_a_bad_curriculum_is_one_line_and_leaves_no_run(
    curriculum, extra, message, home, tmp_path
):
    if curriculum.startswith("FILE:"):
        curriculum = bad_curriculum(tmp_path, curriculum[len("FILE:") :])
    out = tmp_path / "run"
    result = arena("train", "neat-ff", "--game", "mario", "--curriculum", curriculum,
                   "--out", str(out), "--generations", "1", *SHORT, *extra, env=home)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    store = Path(home["ARENA_HOME"]) / "integrations" / MARIO
    assert not list(store.glob("A.*")) and not list(store.glob("*.arena.json"))


def test_a_curriculum_is_for_one_player_training(tmp_path):
    out = tmp_path / "run"
    result = arena("train", "neat-ff", "--game", "pong", "--state", "Start.2P", "--opponent",
                   "random", "--curriculum", "mario-1-1", "--out", str(out), "--pop", "4")  # fmt: skip
    assert result.returncode == 2
    assert "--curriculum is for 1-player training" in result.stderr
    assert not out.exists()
