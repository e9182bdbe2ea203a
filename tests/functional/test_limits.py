"""Bounded resources: every limit is a named constant, refused at validation time with one
line, and a long but valid input just under a limit still works. Oversized archives are
refused by their declared sizes, before anything is inflated."""

import io
import shutil
import struct
import time
import zipfile

import pytest
import yaml

from arena.emulation.movies import MAX_INPUT_LOG_BYTES
from arena.host.params import MAX_WORKERS
from arena.play.checkpoints import MAX_PAYLOAD_BYTES
from arena.profiles.expressions import MAX_EXPRESSION_CHARS, MAX_NESTING
from arena.profiles.loading import MAX_YAML_BYTES, MAX_YAML_VALUES
from arena.retro.roms import MAX_ZIP_DEPTH
from conftest import ROOT, arena, cli

AIRSTRIKER = yaml.safe_load((ROOT / "games" / "airstriker.yaml").read_text())


def profile(tmp_path, text=None, **changes):
    path = tmp_path / "p.yaml"
    path.write_text(text if text is not None else yaml.safe_dump({**AIRSTRIKER, **changes}))
    return path


def one_line(result, code, message):
    assert result.returncode == code, result.stderr
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def claim_size(path, member, size):
    """Rewrite the size ``member`` declares in ``path``'s central directory (what an attacker
    controls): the data stays small, the claim does not."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length].decode() == member:
            struct.pack_into("<I", data, start + 24, size)
        start += 4
    path.write_bytes(bytes(data))


def test_worker_counts_past_the_limit_are_refused():
    one_line(
        cli("bench", "random", "--workers", str(MAX_WORKERS + 1)),
        2,
        f"--workers: at most {MAX_WORKERS} on this machine, got {MAX_WORKERS + 1}",
    )
    one_line(
        cli("train", "neat-ff", "--game", "mario", "--workers", "10000"),
        2,
        f"--workers: at most {MAX_WORKERS} on this machine",
    )


def test_a_long_sum_works_and_an_absurd_one_is_refused(tmp_path):
    terms = " + ".join(["delta(score)"] * 600)  # 600 terms: valid, and flat when compiled
    assert len(terms) < MAX_EXPRESSION_CHARS
    played = arena(
        "run", "--game", str(profile(tmp_path, reward={"score": terms})),
        "--max-frames", "300", "--quiet",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    too_long = "score + " * (MAX_EXPRESSION_CHARS // 8) + "score"
    one_line(
        cli("run", "--game", str(profile(tmp_path, reward={"s": too_long}))),
        2,
        f"the limit is {MAX_EXPRESSION_CHARS:,} (split it into variables)",
    )
    deep = "-" * (MAX_NESTING + 1) + "score"
    one_line(
        cli("run", "--game", str(profile(tmp_path, reward={"s": deep}))),
        2,
        f"expression nested more than {MAX_NESTING} levels deep",
    )
    at_limit = "-" * (MAX_NESTING - 2) + "score"
    ok = arena("probe", str(profile(tmp_path, reward={"s": at_limit})))
    assert "nested" not in ok.stderr, ok.stderr


def test_an_alias_bomb_and_an_oversized_profile_are_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    started = time.perf_counter()
    one_line(
        cli("run", "--game", str(profile(tmp_path, "\n".join([*lines, "game: *a9"])))),
        2,
        f"expands to over {MAX_YAML_VALUES:,} values",
    )
    assert time.perf_counter() - started < 10
    big = "# padding\n" * (MAX_YAML_BYTES // 10 + 1) + yaml.safe_dump(AIRSTRIKER)
    one_line(
        cli("run", "--game", str(profile(tmp_path, big))), 2, f"the limit is {MAX_YAML_BYTES:,}"
    )


@pytest.fixture(scope="module")
def movie(tmp_path_factory):
    folder = tmp_path_factory.mktemp("movie")
    played = arena("run", "--game", "airstriker", "--max-frames", "300", "--record", str(folder))
    assert played.returncode == 0, played.stderr
    return next(folder.glob("*.bk2"))


def test_a_movie_whose_input_log_would_inflate_past_the_limit_is_refused(movie, tmp_path):
    bomb = tmp_path / movie.name
    shutil.copy(movie, bomb)
    shutil.copy(movie.with_suffix(".json"), bomb.with_suffix(".json"))
    claim_size(bomb, "Input Log.txt", MAX_INPUT_LOG_BYTES + 1)
    for command in (["verify", str(bomb)], ["play", str(bomb), "--video", str(tmp_path / "v.mp4")]):
        one_line(cli(*command), 5, "Input Log.txt would inflate to")
    assert not (tmp_path / "v.mp4").exists()


def test_a_checkpoint_that_would_inflate_past_the_limit_is_refused(tmp_path):
    trained = arena(
        "train", "neat-ff", "--game", "airstriker", "--generations", "1", "--pop", "4",
        "--max-frames", "200", "--no-record", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    bomb = tmp_path / "bomb.ckpt"
    shutil.copy(tmp_path / "run" / "winner.ckpt", bomb)
    claim_size(bomb, "payload", MAX_PAYLOAD_BYTES + 1)
    one_line(
        arena("run", "--game", "airstriker", "--agent", "neat-ff", "--checkpoint", str(bomb)),
        7,
        "payload would inflate to",
    )


def nested_zip(depth: int) -> bytes:
    data = b"not a rom"
    name = "inner.bin"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"level{level}.zip"
    return data


def test_rom_archives_nested_deep_or_inflating_past_the_limit_are_refused(tmp_path):
    deep = tmp_path / "deep.zip"
    deep.write_bytes(nested_zip(1200))
    result = arena("roms", "import", str(deep))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"a zip nested more than {MAX_ZIP_DEPTH} deep; not opened" in result.stdout
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("game.nes", b"\0" * 1024)
    claim_size(bomb, "game.nes", 1 << 30)
    result = arena("roms", "import", str(bomb))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "game.nes: would inflate to 1,073,741,824 bytes" in result.stdout


def test_an_observation_past_its_size_limit_is_refused_when_the_env_is_built():
    import arena as package
    from arena.core.errors import ProfileError
    from arena.play.screen import MAX_OBSERVATION_BYTES

    at_limit = package.make("airstriker", resize=(1024, 1024), frame_stack=64, grayscale=True)
    assert at_limit.observation_space.shape == (64, 1024, 1024)  # exactly 64 MiB
    assert int(at_limit.observation_space.shape[0]) * 1024 * 1024 == MAX_OBSERVATION_BYTES
    at_limit.close()
    with pytest.raises(ProfileError, match="over the limit of 64 MiB"):
        package.make("airstriker", resize=(1024, 1024), frame_stack=64, grayscale=False)
