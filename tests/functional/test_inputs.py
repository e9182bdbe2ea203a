"""Observation plugins: the Mario tile view on real frames of 1-1, NEAT on it, and bad input."""

import csv
import json
import zipfile

import numpy as np
import pytest

import docs_pages
from arena import hookimpl
from arena.core.errors import ArenaError, ProfileError
from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.play.observers import Observer
from conftest import arena, profile_copy

SKY = (88, 148, 248)  # 1-1's sky blue: open space on screen
CENTRE = 6  # the 13x13 grid's centre: Mario's lower half


def screen_at(env, row, column):
    """The screen's colour at the centre of grid cell (row, column). stable-retro's NES screen
    drops the console's 8 leftmost columns and 8 top rows; Mario's screen x is RAM 0x3AD."""
    ram = env.emulator.memory.blocks[0]
    x = ram[0x3AD] + 8 + (column - CENTRE) * 16 - 8
    y = ram[0xCE] + 24 + (row - CENTRE) * 16 - 8
    return tuple(int(v) for v in env.emulator.screen()[y, x])


def test_the_tile_view_sees_ground_blocks_a_goomba_and_a_pipe_as_the_screen_shows(make_env):
    env = make_env("mario", inputs="tiles")
    grid, _ = env.reset(seed=0)
    assert env.observation_space.shape == (13, 13) and grid.dtype == np.int8
    # Level start: two rows of ground under Mario, open sky above; the level's left edge
    # (nothing left of x = 0) is open too.
    assert (grid[7:9, 3:] == 1).all() and (grid[: CENTRE + 1] == 0).all()
    assert screen_at(env, CENTRE - 2, CENTRE) == SKY and screen_at(env, 7, 8) != SKY
    names = env.profile.action_names
    for _ in range(30):
        grid, *_ = env.step(names.index("right"))
    # The first Goomba walks toward Mario on the ground, six cells ahead; the first ? block
    # and the row of bricks hang three cells up.
    assert grid[CENTRE, 12] == -1 and screen_at(env, CENTRE, 12) != SKY
    assert grid[3, 8] == grid[3, 12] == 1 and screen_at(env, 3, 8) != SKY
    assert grid[3, 9] == 0 and screen_at(env, 3, 9) == SKY
    jump, run = names.index("right_run_jump"), names.index("right")
    for action in ([jump] * 5 + [run] * 5) * 3 + [jump] * 5:  # over the Goomba, to the pipe
        grid, *_ = env.step(action)
    # The first pipe, two blocks tall, right in front of Mario, green on screen; sky above it.
    green = {screen_at(env, row, column) for row in (5, 6) for column in (7, 8)}
    assert (grid[5:7, 7:9] == 1).all() and SKY not in green
    assert (grid[4, 7:9] == 0).all() and screen_at(env, 4, 7) == SKY
    assert grid[CENTRE, CENTRE] == 0 and (grid[7:9] == 1).all()


def test_the_tile_view_reads_no_screen_and_matches_its_declared_range(make_env):
    env = make_env("mario", inputs="tiles")
    assert env._screens_needed == 0  # RAM only: no screen is read or processed
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(200):
        grid, *_, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        assert env.observation_space.contains(grid)
        if terminated or truncated:
            env.reset()


def test_unknown_inputs_are_one_line_with_a_suggestion(tmp_path):
    result = arena(
        "train", "neat-ff", "--game", "mario", "--inputs", "tile", "--out", str(tmp_path / "r")
    )
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "has no inputs 'tile' (did you mean 'tiles'?); it offers: screen, tiles" in result.stderr
    assert not (tmp_path / "r").exists()
    other = arena("run", "--agent", "random", "--game", "airstriker", "--inputs", "tiles")
    assert other.returncode == 2 and "profile 'airstriker' has no inputs 'tiles'" in other.stderr


def test_a_bad_builder_parameter_names_the_profile_key(tmp_path, host):
    path = profile_copy(
        tmp_path, "mario", "even", inputs={"tiles": {"builder": "smb_tiles", "size": 12}}
    )
    with pytest.raises(ProfileError, match=r"inputs.tiles: smb_tiles: size must be odd"):
        ArenaEnv(host.profile(str(path)), inputs="tiles", builders=host.observations)
    path = profile_copy(tmp_path, "mario", "typo", inputs={"tiles": {"builder": "smb_tile"}})
    with pytest.raises(ProfileError, match=r"builder 'smb_tile' \(did you mean 'smb_tiles'\?\)"):
        ArenaEnv(host.profile(str(path)), inputs="tiles", builders=host.observations)


class WrongShape(Observer):
    shape = (4,)

    def reset(self, view):
        return np.zeros(5, np.uint8)

    step = reset


class Plugin:
    @hookimpl
    def arena_register_observations(self, register):
        register("wrong_shape", lambda game: WrongShape(), "returns 5 values, declares 4")


def test_a_builder_that_breaks_its_declaration_is_one_clear_error(tmp_path):
    host = PluginHost(extra_plugins=[("wrong-shape", Plugin())])
    path = profile_copy(tmp_path, "mario", "wrong", inputs={"bad": {"builder": "wrong_shape"}})
    env = ArenaEnv(host.profile(str(path)), inputs="bad", builders=host.observations)
    with pytest.raises(ArenaError) as error:
        env.reset(seed=0)
    assert str(error.value) == (
        "observation builder 'bad' returned (5,) uint8; it declared (4,) uint8"
    )
    env.close()


@pytest.fixture(scope="module")
def tiles_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("neat-tiles") / "run"
    trained = arena(
        "train", "neat-ff", "--game", "mario", "--inputs", "tiles", "--pop", "8",
        "--generations", "2", "--workers", "2", "--out", str(out),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    return out


def test_neat_on_tiles_saves_its_inputs_and_replays_them(tiles_run):
    with zipfile.ZipFile(tiles_run / "winner.ckpt") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["observation"]["inputs"] == "tiles" and manifest["num_inputs"] == 169
    with (tiles_run / "stats.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    played = arena(
        "run", "--agent", "neat-ff", "--checkpoint", str(tiles_run / "winner.ckpt"),
        "--game", "mario", "--sticky", "0", "--noop-max", "0",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    best = max(float(r["best_fitness"]) for r in rows)
    assert f"return {best:.1f}" in played.stdout
    refused = arena(
        "run", "--agent", "neat-ff", "--checkpoint", str(tiles_run / "winner.ckpt"),
        "--game", "mario", "--inputs", "screen",
    )  # fmt: skip
    assert refused.returncode == 2
    assert "was trained on inputs 'tiles'; --inputs screen asks for others" in refused.stderr


@pytest.mark.slow
def test_ray_backend_evolves_the_same_fitnesses_as_local_processes(tiles_run, tmp_path):
    out = tmp_path / "ray"
    evolved = arena(
        "train", "neat-ff", "--game", "mario", "--inputs", "tiles", "--pop", "8",
        "--generations", "2", "--workers", "2", "--backend", "ray", "--out", str(out),
    )  # fmt: skip
    assert evolved.returncode == 0, evolved.stderr

    def fitnesses(run):
        with (run / "stats.csv").open() as fh:
            return [(r["best_fitness"], r["mean_fitness"], r["frames"]) for r in csv.DictReader(fh)]

    assert fitnesses(out) == fitnesses(tiles_run)


def test_play_draws_the_tile_view_beside_the_screen(tiles_run, tmp_path):
    import av

    movie = sorted((tiles_run / "best").glob("*.bk2"))[-1]
    video = tmp_path / "tiles.mp4"
    played = arena("play", str(movie), "--video", str(video), "--inputs", "tiles", "--scale", "1")
    assert played.returncode == 0, played.stderr
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert frame.shape[:2] == (224, 240 + 222)  # the screen, then 13 cells of 17 pixels
    grid = frame[:, 240:]
    assert grid.reshape(-1, 3).max(axis=1).max() > 200  # blocks drawn white


def test_the_docs_observation_builder_runs_as_written(tmp_path):
    import types

    page = docs_pages.text("docs/plugins/observers.md")
    [block] = [b for b in docs_pages.blocks(page, "python") if "RamBytes" in b]
    module = types.ModuleType("ram_bytes_plugin")
    exec(compile(block, "docs/plugins/observers.md", "exec"), module.__dict__)
    host = PluginHost(extra_plugins=[("ram-bytes", module)])
    path = profile_copy(
        tmp_path, "mario", "ram", inputs={"ram": {"builder": "ram_bytes", "count": 128}}
    )
    env = ArenaEnv(host.profile(str(path)), inputs="ram", builders=host.observations)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (128,) and observation.dtype == np.uint8
    observation, *_ = env.step(1)
    assert env.observation_space.contains(observation)
    env.close()
    bad = profile_copy(
        tmp_path, "mario", "bad", inputs={"ram": {"builder": "ram_bytes", "count": 0}}
    )
    with pytest.raises(ProfileError, match="count must be a whole number from 1 to 2048"):
        ArenaEnv(host.profile(str(bad)), inputs="ram", builders=host.observations)


def test_a_bench_does_not_enter_a_tiles_net_where_the_game_offers_no_tiles(tiles_run, tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cells:\n  - {game: mario, seeds: [0], max_frames: 200}\n"
        "  - {game: airstriker, seeds: [0], max_frames: 200}\n"
    )
    out = tmp_path / "bench"
    winner = tiles_run / "winner.ckpt"
    result = arena(
        "bench", "random", f"tiles=neat-ff:{winner}", "--suite", str(suite), "--out", str(out),
        "--workers", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "not entered tiles on airstriker: tiles plays on inputs 'tiles', which airstriker does "
        "not offer" in result.stdout
    )
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["agent"], r["game"]) for r in lines) == [
        ("random", "airstriker"), ("random", "mario"), ("tiles", "mario"),
    ]  # fmt: skip
    assert all("error" not in r for r in lines)
    match = arena("match", f"tiles=neat-ff:{winner}", "random", "--game", "pong")
    assert match.returncode == 2
    assert "tiles cannot play here: tiles plays on inputs 'tiles', which pong does not offer" in (
        match.stderr
    )
