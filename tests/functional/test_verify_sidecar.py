"""`arena verify` checks the whole sidecar against the re-simulation and the installed ROM:
an edited field is a failure naming it, a field of the wrong shape is one clear line."""

import json
import shutil

import pytest

from conftest import arena


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("movies")
    result = arena(
        "run", "--game", "mario", "--max-frames", "400", "--record", str(folder), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    movie = next(folder.glob("*.bk2"))
    return movie, json.loads(movie.with_suffix(".json").read_text())


def edited(recorded, tmp_path, **changes):
    movie, sidecar = recorded
    copy = tmp_path / movie.name
    shutil.copy(movie, copy)
    record = dict(sidecar)
    for key, value in changes.items():
        if value is ...:
            record.pop(key)
        else:
            record[key] = value
    copy.with_suffix(".json").write_text(json.dumps(record))
    return copy


def test_an_untouched_movie_verifies(recorded):
    assert arena("verify", str(recorded[0])).returncode == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"game": "Boxing-Atari2600-v0"}, "sidecar game 'Boxing-Atari2600-v0' is not the movie's"),
        ({"rom_sha1": "0" * 40}, "sidecar rom_sha1 000000000000 is not the ROM's"),
        ({"state": "Level2-1"}, "the movie does not start from state 'Level2-1'"),
        ({"players": 2}, "sidecar players 2 is not the movie's (1)"),
        ({"frame_skip": 2}, "sidecar frame_skip 2 is not the profile's (4)"),
        ({"noops": 3}, "noops 3 exceed the protocol's noop_max"),
        ({"frames": 100}, "frames 100 run past the time limit"),
        ({"returns": [12345.0]}, "replay does not match its sidecar: returns"),
        ({"done_reason": "level_cleared"}, "done reason"),
        ({"profile_digest": "x" * 64}, "changed since this movie was recorded"),
    ],
)
def test_an_edited_sidecar_fails_naming_the_field(recorded, tmp_path, changes, message):
    if "frames" in changes:  # a shorter claim: the input log runs past it
        changes = {"frames": 100, "max_frames": 100}
        message = "the input log runs past the recorded 100 frames"
    result = arena("verify", str(edited(recorded, tmp_path, **changes)))
    assert result.returncode == 6, result.stderr
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_frames": "abc"}, "sidecar field max_frames"),
        ({"state": ["Level1-1"]}, "sidecar field state: input should be a valid string"),
        ({"frames": -1}, "sidecar field frames: input should be greater than or equal to 0"),
        ({"returns": ["nan"]}, "sidecar field returns.0"),
        ({"protocol": ...}, "sidecar field protocol: field required"),
        ({"noops": 1.5}, "sidecar field noops"),
        ({"rom_sha1": "not a sha"}, "sidecar field rom_sha1"),
    ],
)
def test_a_sidecar_of_the_wrong_shape_is_one_clear_line(recorded, tmp_path, changes, message):
    movie = edited(recorded, tmp_path, **changes)
    for command in (
        ["verify", str(movie)],
        ["play", str(movie), "--video", str(tmp_path / "v.mp4")],
    ):
        result = arena(*command)
        assert result.returncode == 5, result.stderr
        assert message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "v.mp4").exists()


def test_frames_counts_the_frames_the_movie_holds(tmp_path):
    import stable_retro

    played = arena(
        "run", "--game", "airstriker", "--max-frames", "400", "--noop-max", "30", "--seed", "3",
        "--record", str(tmp_path), "--quiet",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    [movie] = tmp_path.glob("*.bk2")
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    assert sidecar["noops"] > 0 and sidecar["frame_skip"] == 4
    assert sidecar["frames"] == 1 + sidecar["noops"] + sidecar["steps"] * 4
    # The time limit ends the episode at the first step that brings the count to 400.
    assert sidecar["done_reason"] == "time_limit"
    assert sidecar["frames"] - 4 < 400 <= sidecar["frames"]
    playback = stable_retro.Movie(str(movie))
    counted = 0
    while playback.step():
        counted += 1
    assert counted == sidecar["frames"]
