"""`arena run / verify / play` end to end on real ROMs, and one clear line for each bad input."""

import json
import shutil
import zipfile
from pathlib import Path

import cv2
import pytest

from conftest import arena, cli


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """Real episodes, recorded: Mario 1-1 (3), Airstriker, Pong 1P and 2P."""
    root = tmp_path_factory.mktemp("runs")
    runs = {
        "mario": ["--game", "mario", "--episodes", "3", "--seed", "7"],
        "airstriker": ["--game", "airstriker", "--max-frames", "1500", "--option", "repeat=3"],
        "pong": ["--game", "pong", "--max-frames", "2000"],
        "pong2p": ["--game", "pong", "--state", "Start.2P", "--max-frames", "3000", "--seed", "3"],
    }
    outputs = {}
    for name, args in runs.items():
        result = arena("run", *args, "--record", str(root / name), "--quiet")
        assert result.returncode == 0, result.stderr
        outputs[name] = result.stdout
    return root, outputs


@pytest.mark.slow
def test_run_prints_a_line_per_episode_and_writes_results(recorded):
    root, outputs = recorded
    lines = [line for line in outputs["mario"].splitlines() if line.startswith("episode ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all(" x " in line and "done life_lost" in line for line in lines)
    results = [
        json.loads(line) for line in (root / "mario" / "results.jsonl").read_text().splitlines()
    ]
    assert [r["seed"] for r in results] == [7, 8, 9]
    for result in results:  # named relative to the results file, so the folder can move
        assert not Path(result["movie"]).is_absolute() and "/" not in result["movie"]
        movie = root / "mario" / result["movie"]
        assert movie.is_file() and movie.suffix == ".bk2"
        sidecar = json.loads(movie.with_suffix(".json").read_text())
        for key in (
            "agent",
            "profile",
            "profile_digest",
            "state",
            "seed",
            "rom_sha1",
            "returns",
            "frames",
            "versions",
        ):
            assert key in sidecar
        assert sidecar["returns"] == result["returns"] and sidecar["frames"] == result["frames"]
        assert sidecar["rom_sha1"] == "0c4992fc08d2278697339d3b48066e7b5f943598"
        assert sidecar["versions"]["stable-retro"].startswith("1.0")
    assert not list((root / "mario").glob(".*"))  # no partial files left behind


def test_two_player_run_reports_both_returns(recorded):
    root, outputs = recorded
    sidecar = json.loads(next((root / "pong2p").glob("*.json")).read_text())
    assert sidecar["players"] == 2 and len(sidecar["returns"]) == 2
    assert sidecar["returns"][0] == -sidecar["returns"][1]
    assert " / " in outputs["pong2p"]


def test_verify_reproduces_every_recorded_movie(recorded):
    root, _ = recorded
    result = arena("verify", str(root))
    assert result.returncode == 0, result.stderr
    assert "6 movie(s) verified" in result.stdout
    assert result.stdout.count("ok    ") == 6


def test_verify_fails_loudly_on_a_mismatch(recorded, tmp_path):
    root, _ = recorded
    movie = next((root / "mario").glob("*.bk2"))
    shutil.copy(movie, tmp_path / movie.name)
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    sidecar["returns"][0] += 1
    (tmp_path / movie.with_suffix(".json").name).write_text(json.dumps(sidecar))
    result = arena("verify", str(tmp_path / movie.name))
    assert result.returncode == 6
    assert "replay does not match its sidecar: returns" in result.stderr


@pytest.mark.slow
def test_play_renders_every_frame_to_mp4_and_gif(recorded, tmp_path):
    root, _ = recorded
    movie = next((root / "mario").glob("*.bk2"))
    frames = json.loads(movie.with_suffix(".json").read_text())["frames"]
    result = arena(
        "play", str(movie), "--video", str(tmp_path / "out.mp4"), "--gif", str(tmp_path / "out.gif")
    )
    assert result.returncode == 0, result.stderr
    video = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == frames
    assert int(video.get(cv2.CAP_PROP_FRAME_WIDTH)) == 2 * 240
    ok, gif = cv2.imreadanimation(str(tmp_path / "out.gif"))
    assert ok and len(gif.frames) == -(-frames // 3)
    # What it says it wrote is what each file holds.
    assert f"out.mp4 ({frames} frames)" in result.stdout
    assert f"out.gif ({len(gif.frames)} frames: one in 3 of the replay's {frames})" in result.stdout


def test_window_without_display_is_a_clear_error(recorded):
    root, _ = recorded
    movie = next((root / "pong").glob("*.bk2"))
    result = arena("play", str(movie), "--window", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.returncode == 2 and "needs a display" in result.stderr


def corrupt_movies(recorded, tmp_path):
    root, _ = recorded
    good = next((root / "pong").glob("*.bk2")).read_bytes()
    (tmp_path / "empty.bk2").write_bytes(b"")
    (tmp_path / "truncated.bk2").write_bytes(good[: len(good) // 2])
    (tmp_path / "garbage.bk2").write_bytes(b"not a movie at all" * 10)
    with (
        zipfile.ZipFile(tmp_path / "sonic.bk2", "w") as out,
        zipfile.ZipFile(next((root / "pong").glob("*.bk2"))) as src,
    ):
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "Header.txt":
                data = data.replace(b"Pong-Atari2600-v0", b"SonicTheHedgehog2-Genesis-v0")
            out.writestr(item, data)


BAD_INPUTS = [
    (["run", "--game", "maro"], 2, "unknown game 'maro' (did you mean 'mario'?)"),
    (
        ["run", "--game", "mario", "--state", "Level1-2"],
        2,
        "unknown mario state 'Level1-2' (did you mean",
    ),
    (
        ["run", "--game", "mario", "--agent", "randm"],
        2,
        "unknown agent 'randm' (did you mean 'random'?)",
    ),
    (
        ["run", "--game", "sonic2"],
        3,
        "the ROM for SonicTheHedgehog2-Genesis-v0, which is not installed. import your own copy with `arena roms import PATH`",
    ),
    (["run", "--game", "sf2"], 3, "`arena roms import PATH`"),
    (
        ["run", "--game", "mario", "--episodes", "0"],
        2,
        "--episodes: expected a whole number >= 1, got '0'",
    ),
    (
        ["run", "--game", "mario", "--max-frames", "nan"],
        2,
        "--max-frames: expected a whole number >= 1, got 'nan'",
    ),
    (["run", "--game", "mario", "--max-frames", "-5"], 2, "expected a whole number >= 1, got '-5'"),
    (["run", "--game", "mario", "--option", "repeat"], 2, "--option 'repeat' is not key=value"),
    (
        ["run", "--game", "mario", "--seed", "-3"],
        2,
        "--seed: expected a whole number >= 0, got '-3'",
    ),
    (
        ["run", "--game", "mario", "--option", "repeat=0"],
        2,
        "agent 'random' option repeat='0': expected a whole number >= 1, got '0'",
    ),
    (
        ["run", "--game", "mario", "--option", "repet=2"],
        2,
        "agent 'random' has no option 'repet' (did you mean 'repeat'?)",
    ),
    (["verify", "{tmp}/empty.bk2"], 5, "empty file, not a .bk2 movie"),
    (["verify", "{tmp}/truncated.bk2"], 5, "corrupt or truncated .bk2"),
    (["play", "{tmp}/garbage.bk2", "--video", "{tmp}/x.mp4"], 5, "corrupt or truncated .bk2"),
    (
        ["play", "{tmp}/sonic.bk2", "--video", "{tmp}/x.mp4"],
        3,
        "the ROM for SonicTheHedgehog2-Genesis-v0, which is not installed",
    ),
    (["play", "{tmp}/missing.bk2", "--video", "{tmp}/x.mp4"], 5, "no such movie"),
    (["play", "{tmp}/empty.bk2"], 2, "nothing to do: give --video"),
    (["verify", "{tmp}/sonic.bk2"], 5, "no sidecar sonic.json beside it"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD_INPUTS)
def test_bad_input_is_one_clear_line(recorded, tmp_path, args, code, message):
    corrupt_movies(recorded, tmp_path)
    result = cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])  # in this process
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_a_profile_file_with_python_tags_is_refused(tmp_path):
    marker = tmp_path / "ran"
    profile = tmp_path / "evil.yaml"
    profile.write_text(f"game: !!python/object/apply:os.system ['touch {marker}']\n")
    result = arena("run", "--game", str(profile))
    assert result.returncode == 2 and "only plain YAML is read" in result.stderr
    assert not marker.exists()


def test_debug_shows_the_traceback():
    result = arena("--debug", "run", "--game", "maro")
    assert result.returncode != 0 and "Traceback" in result.stderr
