"""``arena serve``'s bad command lines: one line and a non-zero exit, before anything serves."""

from __future__ import annotations

import pytest

from conftest import cli


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--player", "a b"], "player name 'a b' is not a plain name"),
        (["--entry", "nosuch"], "nosuch"),
        (["--entry", "random:/etc/passwd"], "random"),
        (["--profile", "missing.yaml"], "missing.yaml"),
        (["--port", "70000"], "--port: 70000 is not in the range"),
        (["--max-games", "0"], "--max-games: 0 is not in the range"),
    ],
)
def test_a_bad_command_line_is_one_line(tmp_path, args, said):
    done = cli("serve", "--runs", str(tmp_path / "runs"), "--port", "0", *args)
    assert done.returncode != 0
    assert said in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_runs_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "runs").write_text("not a folder")
    done = cli("serve", "--runs", str(tmp_path / "runs"), "--port", "0")
    assert done.returncode != 0 and "is a file, not a folder" in done.stderr
