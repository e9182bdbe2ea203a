"""`arena report`: a static HTML page whose tables, charts and replays are all there."""

import json
import re

import av
import cv2
import numpy as np
import pytest

from conftest import arena, chromium, installed_plugin

BROKEN = """
from arena import hookimpl
from arena.errors import AgentError


def build(context):
    raise AgentError("this agent breaks when built")


@hookimpl
def arena_register_agents(register):
    register("broken", build, "fails in every cell")
"""


@pytest.mark.slow
def test_report_shows_tables_charts_and_replays(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cells:\n  - {game: mario, seeds: [0, 1], max_frames: 300}\n"
        "  - {game: pong, seeds: [0], max_frames: 300}\n"
    )
    bench = tmp_path / "bench"
    # `broken` is a plugin agent that fails to build in the workers: its cells fail and must
    # show on the page.
    site = tmp_path / "site"
    site.mkdir()
    plugin = installed_plugin(site, "broken", BROKEN)
    played = arena(
        "bench", "random", "random:", "broken", "--suite", str(suite), "--out", str(bench),
        env=plugin,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    train = tmp_path / "train"
    assert (
        arena(
            "train",
            "neat-ff",
            "--game",
            "airstriker",
            "--generations",
            "1",
            "--pop",
            "4",
            "--max-frames",
            "200",
            "--workers",
            "1",
            "--no-record",
            "--out",
            str(train),
        ).returncode
        == 0
    )
    result = arena("report", str(bench), "--training", str(train))
    assert result.returncode == 0, result.stderr
    page = (bench / "report" / "index.html").read_text()
    for heading in ("mario", "pong", "overall (normalized)", "Win rates", "Training"):
        assert f">{heading}</h2>" in page
    assert page.count('<table class="leaderboard">') == 3
    assert "Evaluation protocol: <strong>sticky actions p=0.25, no no-op starts</strong>" in page
    failures = page.split('<table class="failures">')[1].split("</table>")[0]
    assert "<td>broken</td><td>mario</td><td>2</td>" in failures
    assert "1 x this agent breaks when built" in failures
    for source in re.findall(r'<img src="([^"]+)"', page):
        assert cv2.imread(str(bench / "report" / source)) is not None, source
    videos = re.findall(r'<video src="([^"]+)"', page)
    assert len(videos) == 4  # the best episode of each agent on each game
    for source in videos:
        with av.open(str(bench / "report" / source)) as clip:
            stream = clip.streams.video[0]
            assert stream.codec_context.name == "h264" and stream.frames > 1
            assert (bench / "report" / source).stat().st_size < 2_000_000
    for link in re.findall(r'<a href="([^"]+\.bk2)"', page):
        assert (bench / "report" / link).resolve().is_file()
    for link in re.findall(r'<a href="([^"#]+)"', page):  # no folder: files a browser opens
        assert (bench / "report" / link).resolve().is_file(), link
    captions = re.findall(r"best-episode videos: (.*?)</figcaption>", page)
    assert len(captions) == 2  # mario and pong; the overall table has no episodes of its own
    for caption in captions:
        linked = re.findall(r'<a href="([^"]+)">', caption)
        assert len(linked) == 2  # the two random entries; `broken` played nothing to show
        assert all(href.startswith("media/best-") and href.endswith(".mp4") for href in linked)


def test_report_of_a_folder_without_results_is_refused(tmp_path):
    result = arena("report", str(tmp_path))
    assert result.returncode == 2 and "no benchmark results (results.jsonl) there" in result.stderr


@pytest.mark.slow
def test_the_report_in_headless_chromium(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: mario, seeds: [0], max_frames: 300}\n")
    bench = tmp_path / "bench"
    played = arena("bench", "random", "random:", "--suite", str(suite), "--out", str(bench))
    assert played.returncode == 0, played.stderr
    assert arena("report", str(bench)).returncode == 0
    page = (bench / "report" / "index.html").as_uri()
    profile = f"--user-data-dir={tmp_path / 'chromium'}"
    dom = chromium(profile, "--dump-dom", page).stdout
    assert 'data-broken="0"' in dom, dom[-2000:]
    assert 'data-images="2"' in dom and 'data-videos="2"' in dom  # 2 charts, 2 replays
    durations = re.search(r'data-durations="([^"]*)"', dom).group(1).split()
    assert len(durations) == 2 and all(float(d) > 0 for d in durations)  # the videos play
    assert dom.count('class="leaderboard"') == 2 and "random-2" in dom
    screenshot = tmp_path / "report.png"
    chromium(profile, "--window-size=1000,1400", f"--screenshot={screenshot}", page)
    image = cv2.imread(str(screenshot))
    assert image is not None and image.shape[:2] == (1400, 1000)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50  # text, charts and game frames


def test_leaderboard_and_report_on_a_run_folder_say_what_it_is(tmp_path):
    played = arena("run", "--game", "airstriker", "--max-frames", "200", "--record", str(tmp_path))
    assert played.returncode == 0, played.stderr
    for command in ("leaderboard", "report"):
        result = arena(command, str(tmp_path))
        assert result.returncode == 2, result.stderr
        assert "holds no benchmark cells (`arena run` writes episodes, not cells)" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "report").exists()


def tournament(tmp_path):
    """A recorded 2-pair tournament of random against itself on Pong, for the tests below."""
    folder = tmp_path / "recorded"
    played = arena(
        "tournament", "random", "random", "--game", "pong", "--episodes", "2",
        "--max-frames", "1200", "--record", str(folder),
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert f"a page of them: arena report {folder}" in played.stdout
    return folder


@pytest.mark.slow
def test_report_of_a_tournament_shows_ratings_seat_advantage_pairs_and_replays(tmp_path):
    folder = tournament(tmp_path).rename(tmp_path / "moved")  # the movies are found there too
    result = arena("report", str(folder))
    assert result.returncode == 0, result.stderr
    page = (folder / "report" / "index.html").read_text()
    data = json.loads((folder / "tournament.json").read_text())
    advantage = data["seat_advantage"]
    assert f"seat 1 scored {advantage['seat1_points']:g} of {advantage['points']:g} points" in page
    assert page.count("<tr><td>random-") == 2  # the ratings
    assert "not settled: random-1 and random-2" in page
    assert len(re.findall(r"<tr><td>\d+</td><td>random-1 / random-2</td>", page)) == 2  # pairs
    links = re.findall(r'<a href="([^"]+\.bk2)"', page)
    assert len(links) == 6  # two per pair, and one under each replay
    for link in links:
        assert (folder / "report" / link).resolve().is_file()
    videos = re.findall(r'<video src="([^"]+)"', page)
    assert len(videos) == 2  # both games of the first pair
    for source in videos:
        with av.open(str(folder / "report" / source)) as clip:
            assert clip.streams.video[0].frames > 1


def test_a_shared_tournament_file_is_read_for_its_games_only(tmp_path):
    folder = tournament(tmp_path)
    path = folder / "tournament.json"
    data = json.loads(path.read_text())
    # Forged results: the derived tables are recomputed from the games, and a movie outside
    # the folder is neither linked nor read.
    data["standings"][0]["mu"] = 99.0
    data["games"][0]["winner"] = "somebody"
    data["games"][0]["movie"] = "/etc/passwd.bk2"
    data["games"][1]["movie"] = "../../../outside.bk2"
    path.write_text(json.dumps(data))
    (tmp_path / "outside.bk2").write_text("not a movie")
    assert arena("report", str(folder)).returncode == 0
    page = (folder / "report" / "index.html").read_text()
    assert "99.00" not in page and "somebody" not in page
    assert "passwd" not in page and "outside" not in page
    assert len(re.findall(r'<a href="([^"]+\.bk2)"', page)) == 2  # the second pair's games


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: "{not json", "not a tournament (not JSON"),
        (lambda d: {**d, "games": d["games"][:3]}, "not a tournament (3 games, an odd number"),
        (lambda d: {**d, "games": d["games"][1:3]}, "not a side-swapped pair"),
        (lambda d: {**d, "games": [{**d["games"][0], "returns": [1]}, *d["games"][1:]]},
         "games.0.returns: list should have at least 2 items"),
        (lambda d: {**d, "protocol": {"sticky": 2, "noop_max": 0}}, "protocol.sticky"),
    ],
)  # fmt: skip
def test_a_damaged_tournament_file_is_one_line(tmp_path, damage, message):
    folder = tournament(tmp_path)
    path = folder / "tournament.json"
    damaged = damage(json.loads(path.read_text()))
    path.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    result = arena("report", str(folder))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (folder / "report").exists()


def test_an_absurdly_large_tournament_file_is_refused_unread(tmp_path):
    (tmp_path / "tournament.json").write_bytes(b" " * (64 * 2**20 + 1))
    result = arena("report", str(tmp_path))
    assert result.returncode == 2 and "over 64 MiB, not a tournament" in result.stderr
    result = arena("report", str(tmp_path), "--training", str(tmp_path))
    assert result.returncode == 2 and "not a tournament's" in result.stderr


def test_chart_labels_from_a_results_file_are_plain_text(tmp_path):
    from arena.evaluation.leaderboard import Row
    from arena.evaluation.report import _bar_chart

    rows = [
        Row("mario", r"$\frac{$", 1, 1, 0, 0, 1.0, 1.0, None, None, False, "p"),
        Row("mario", "$x^$", 1, 1, 0, 0, 2.0, 2.0, None, None, False, "p"),
    ]
    chart = tmp_path / "chart.png"
    _bar_chart(rows, r"$\frac{$ on $", chart)  # mathtext would raise ValueError on these
    assert chart.stat().st_size > 0


def test_report_training_never_copies_what_a_symlink_points_at_outside_the_run(tmp_path):
    bench = tmp_path / "bench"
    bench.mkdir()
    lines = [
        {"job": f"random|pong/Start/seed{s}/300", "cell": f"pong/Start/seed{s}/300",
         "agent": "random", "game": "pong", "state": "Start", "seed": s, "return": -s}
        for s in range(2)
    ]  # fmt: skip
    (bench / "results.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the page")
    run = tmp_path / "run"
    run.mkdir()
    (run / "fitness.png").symlink_to(secret)
    result = arena("report", str(bench), "--training", str(run))
    assert result.returncode == 0, result.stderr
    assert f"skipped {run / 'fitness.png'}: it points outside {run}" in result.stderr
    copied = [p.read_bytes() for p in (bench / "report").rglob("*") if p.is_file()]
    assert b"not for the page" not in copied
