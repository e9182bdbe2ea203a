"""``arena serve`` through its API, as a script (or the page) uses it: the real server in its
own process, real live games in their own processes, every recording verified. The page
itself is driven in Chromium by test_serve_browser.py."""

from __future__ import annotations

import json
import signal
import socket

import pytest
from serving import frames, results, served, serving, until_text, wait_for
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

import docs_pages
from conftest import arena

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A runs folder holding a (barely) trained PPO checkpoint for the server to find."""
    root = tmp_path_factory.mktemp("serve") / "runs"
    trained = arena(
        "train", "ppo", "--game", "pong", "--steps", "256", "--envs", "2",
        "--max-frames", "300", "--set", "num_steps=64", "--set", "num_minibatches=1",
        "--out", str(root / "ppo-pong"),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    return root


@pytest.fixture(scope="module")
def server(runs):
    with served(runs, "--entry", "random", "--player", "tester") as running:
        yield running


def play_url(server, query: str) -> str:
    return f"{server.ws}ws/play?{query}"


def test_the_games_the_entries_and_the_pages(server):
    status, body = server.get("/api/games")
    assert status == 200
    games = {g["name"]: g for g in json.loads(body)["games"]}
    assert ["Level1-1", 1] in games["mario"]["states"]
    assert ["Start.2P", 2] in games["pong"]["states"]
    entries = [e["label"] for e in json.loads(server.get("/api/entries")[1])["entries"]]
    # Given, then every checkpoint found under --runs, labelled by its path there.
    assert entries == ["random", "ppo-pong.checkpoints.step-0000000256", "ppo-pong.model"]
    for page, holds in (("/", 'id="games"'), ("/play/mario?state=Level1-1", "<canvas")):
        status, html = server.get(page)
        assert status == 200 and holds in html


def test_a_person_plays_mario_and_the_game_is_recorded_verified_and_on_the_board(server):
    with connect(play_url(server, "game=mario&state=Level1-1&player=ann")) as ws:
        started = json.loads(ws.recv(timeout=120))
        assert started["type"] == "started", started
        assert (started["width"], started["height"], started["system"]) == (240, 224, "Nes")
        assert round(started["frame_rate"], 2) == 60.1
        assert started["seats"] == ["human:ann"]
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 7}))
        shown = frames(ws, 90)
        assert shown[-1].acked == 7  # the frames hold the press
        assert shown[-1].returns[0] > shown[0].returns[0]  # Mario walked right: x grew
        assert all(f.samples > 500 for f in shown)  # the core's sound, every frame
        ws.send(json.dumps({"type": "leave"}))
        _, ended = until_text(ws)
    result = ended["result"]
    assert result["done_reason"] is None and result["returns"][0] > 0
    movie = server.runs / result["movie"]
    assert movie.is_file() and movie.with_suffix(".json").is_file()
    checked = arena("verify", str(movie))
    assert checked.returncode == 0, checked.stderr
    [line] = [r for r in results(server.runs) if r["agent"] == "human:ann"]
    assert line["protocol"] == {"sticky": 0.0, "noop_max": 0, "human": True}
    assert line["return"] == result["returns"][0]
    board = arena("leaderboard", str(server.runs))
    assert board.returncode == 0, board.stderr
    assert "human:ann" in board.stdout and "a person's buttons as pressed" in board.stdout


def test_a_seat_against_a_found_checkpoint_and_both_seats_of_a_seed_make_a_pair(server):
    for seat in (1, 2):
        query = f"game=pong&state=Start.2P&seat={seat}&opponent=ppo-pong.model&player=bo&seed=3"
        with connect(play_url(server, query)) as ws:
            started = json.loads(ws.recv(timeout=120))
            assert started["seats"][seat - 1] == "human:bo", started
            ws.send(json.dumps({"type": "buttons", "held": ["UP"], "seq": 1}))
            frames(ws, 60)
            ws.send(json.dumps({"type": "leave"}))
            _, ended = until_text(ws)
        assert arena("verify", str(server.runs / ended["result"]["movie"])).returncode == 0
    tournament = json.loads((server.runs / "people/pong-Start.2P/tournament.json").read_text())
    assert tournament["protocol"]["human"] is True and tournament["protocol"]["sticky"] == 0.25
    pairs = [p for p in tournament["pairs"] if p["seed"] == 3]
    assert len(pairs) == 1 and {pairs[0]["first"], pairs[0]["second"]} == {
        "human:bo",
        "ppo-pong.model",
    }
    rated = {s["agent"] for s in tournament["standings"]}
    assert {"human:bo", "ppo-pong.model"} <= rated
    page = arena("report", str(server.runs / "people/pong-Start.2P"))
    assert page.returncode == 0, page.stderr
    html = (server.runs / "people/pong-Start.2P/report/index.html").read_text()
    assert "human:bo" in html


def test_a_closed_connection_ends_its_game_recorded_and_frees_its_process(server):
    with connect(play_url(server, "game=mario&player=cy")) as ws:
        json.loads(ws.recv(timeout=120))
        frames(ws, 30)
        workers = live_workers(server.process.pid)
        assert len(workers) == 1
    # No leave message: the tab is gone. Its results line appears once the game is recorded.
    line = wait_for(lambda: [r for r in results(server.runs) if r["agent"] == "human:cy"])
    assert arena("verify", str(server.runs / line[0]["movie"])).returncode == 0
    wait_for(lambda: not live_workers(server.process.pid))


def test_two_games_at_once(server):
    with (
        connect(play_url(server, "game=mario&player=d1")) as one,
        connect(play_url(server, "game=boxing&player=d2")) as two,
    ):
        assert json.loads(one.recv(timeout=120))["type"] == "started"
        assert json.loads(two.recv(timeout=120))["type"] == "started"
        for _ in range(3):
            assert frames(one, 20)[-1].width == 240
            assert frames(two, 20)[-1].width == 160
        for ws in (one, two):
            ws.send(json.dumps({"type": "leave"}))
            until_text(ws)
    names = {r["agent"] for r in results(server.runs)}
    assert {"human:d1", "human:d2"} <= names


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("game=pong&state=Start.2P&opponent=ppo:/etc/passwd", "'ppo:/etc/passwd' is not a plain"),
        ("game=pong&state=Start.2P&opponent=..%2Fx.ckpt", "opponent: '../x.ckpt' is not a plain"),
        ("game=pong&state=Start.2P&opponent=ppo", "no entry 'ppo' is offered here"),
        ("game=nosuch", "no game 'nosuch' here"),
        ("game=mario&state=Level9-9", "mario has no state 'Level9-9'"),
        ("game=pong&state=Start.2P", "name an opponent"),
        ("game=mario&player=%3Cscript%3E", "player: string should match"),
        ("game=mario&seat=3", "seat: input should be less than or equal to 2"),
        ("game=mario&evil=1", "evil: extra inputs are not permitted"),
    ],
)
def test_a_request_names_only_what_is_offered(server, query, said):
    with connect(play_url(server, query)) as ws:
        message = json.loads(ws.recv(timeout=60))
        assert message["type"] == "error" and said.lower() in message["message"].lower(), message
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=60)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("not json", "not JSON"),
        (json.dumps({"type": "buttons", "held": ["NOSUCH"]}), "not a button of this console"),
        (json.dumps({"type": "buttons", "held": "RIGHT"}), "held: input should be a valid list"),
        (json.dumps({"type": "shell", "command": "rm"}), "does not match any of the expected tags"),
    ],
)
def test_a_bad_message_ends_its_game_with_a_message_and_keeps_the_recording(
    server, message, said
):
    with connect(play_url(server, "game=mario&player=eve")) as ws:
        json.loads(ws.recv(timeout=120))
        frames(ws, 5)
        ws.send(message)
        _, ended = until_text(ws)
    assert said.lower() in str(ended.get("problem")).lower(), ended
    assert arena("verify", str(server.runs / ended["result"]["movie"])).returncode == 0


def test_a_flood_and_a_10_mb_message_end_only_their_own_game(server):
    with connect(play_url(server, "game=mario&player=flood")) as ws:
        json.loads(ws.recv(timeout=120))
        for seq in range(1000):
            ws.send(json.dumps({"type": "buttons", "held": ["A"] if seq % 2 else [], "seq": seq}))
        _, ended = until_text(ws)
    assert "over 240 messages a second" in ended["problem"]
    with connect(play_url(server, "game=mario&player=big"), max_size=None) as ws:
        json.loads(ws.recv(timeout=120))
        ws.send("x" * 10_000_000)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=60)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
    line = wait_for(lambda: [r for r in results(server.runs) if r["agent"] == "human:big"])
    assert arena("verify", str(server.runs / line[0]["movie"])).returncode == 0
    assert server.get("/api/games")[0] == 200  # the server goes on


def test_another_site_cannot_drive_a_game_nor_another_host_name(server):
    with pytest.raises(InvalidStatus) as refused:
        connect(play_url(server, "game=mario"), origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    status, body = server.get("/api/games", {"Host": "evil.example:80"})
    assert status == 403 and "does not answer to Host" in body


@pytest.mark.parametrize(
    "path",
    ["files/..%2F..%2Fetc%2Fpasswd", "files/%2Fetc%2Fpasswd", "files/outside/passwd",
     "files/.hidden", "files/nosuch.bk2", "static/..%2F..%2F__init__.py"],
)  # fmt: skip
def test_only_files_under_runs_are_served(server, path):
    link = server.runs / "outside"
    if not link.exists():
        link.symlink_to("/etc")  # a symlink pointing out of --runs
        (server.runs / ".hidden").write_text("secret")
    status, body = server.get(path)
    assert status == 404, (path, body)
    assert "root:" not in body and "secret" not in body


def test_a_movie_under_runs_is_served(server):
    [movie] = list((server.runs / "people/mario-Level1-1").glob("human:ann/*.bk2"))
    status, _ = server.get("files/" + movie.relative_to(server.runs).as_posix())
    assert status == 200


def test_off_loopback_every_request_needs_the_printed_token(tmp_path):
    with served(tmp_path / "runs", "--host", "0.0.0.0") as server:
        assert "?token=" in server.url
        token = server.url.split("token=")[1]
        assert server.get("/api/games")[0] == 403
        status, _ = server.get(f"/api/games?token={token}")
        assert status == 200
        assert server.get("/api/games?token=wrong")[0] == 403
        with pytest.raises(InvalidStatus):
            connect(f"{server.ws}ws/play?game=mario")
        with connect(f"{server.ws}ws/play?game=mario&token={token}") as ws:
            assert json.loads(ws.recv(timeout=120))["type"] == "started"
            ws.send(json.dumps({"type": "leave"}))
            until_text(ws)


def test_the_next_game_past_max_games_is_refused_and_ctrl_c_records_the_live_one(tmp_path):
    with served(tmp_path / "runs", "--max-games", "1") as server:
        with connect(play_url(server, "game=mario&player=first")) as ws:
            json.loads(ws.recv(timeout=120))
            with connect(play_url(server, "game=mario&player=second")) as refused:
                message = json.loads(refused.recv(timeout=60))
                assert "1 live games are playing" in message["message"], message
            frames(ws, 30)
            server.process.send_signal(signal.SIGINT)  # Ctrl-C with a game live
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.recv(timeout=60)
        server.process.wait(timeout=60)
    [line] = results(tmp_path / "runs")
    assert line["agent"] == "human:first"
    assert arena("verify", str(tmp_path / "runs" / line["movie"])).returncode == 0
    assert not list((tmp_path / "runs").rglob(".*.part.bk2"))  # nothing half-written


def test_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = arena("serve", "--runs", str(tmp_path), "--port", str(port))
    assert done.returncode != 0
    assert f"--port {port}: cannot listen there" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def live_workers(parent: int) -> list[int]:
    from conftest import worker_pids

    return worker_pids(parent)



def test_the_docs_play_blocks_run_as_written(tmp_path):
    import shlex
    import subprocess
    import sys

    [command] = docs_pages.blocks(docs_pages.section("docs/play.md", "Play in the browser"), "bash")
    args = shlex.split(command)
    assert args[0] == "arena" and "--port" not in args
    [script] = docs_pages.blocks(docs_pages.section("docs/play.md", "The API"), "python")
    assert "127.0.0.1:8000" in script  # the default address, as the page says
    with serving([*args[1:], "--port", "0"], tmp_path / "runs", cwd=tmp_path) as server:
        address = server.url.split("/")[2]
        ran = subprocess.run(
            [sys.executable, "-c", script.replace("127.0.0.1:8000", address)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    seats, movie = ran.stdout.splitlines()
    assert seats == "['human:script']"
    assert arena("verify", str(tmp_path / "runs" / movie)).returncode == 0


def test_agents_watched_live_play_as_in_a_match(server):
    with connect(play_url(server, "game=boxing&state=Start.2P&watch=random,ppo-pong.model")) as ws:
        refused = json.loads(ws.recv(timeout=120))  # a checkpoint plays the game it learned
        assert "its checkpoint was trained on 'pong'" in refused["message"], refused
    entries = json.loads(server.get("/api/entries")[1])["entries"]
    assert {e["label"]: "boxing" in e["games"] for e in entries} == {
        "random": True, "ppo-pong.checkpoints.step-0000000256": False, "ppo-pong.model": False
    }  # what the page offers for boxing
    with connect(play_url(server, "game=pong&state=Start.2P&watch=random,ppo-pong.model")) as ws:
        started = json.loads(ws.recv(timeout=120))
        assert started["seats"] == ["random", "ppo-pong.model"], started
        assert "a person" not in started["protocol"]  # agents alone: the evaluation protocol
        shown = frames(ws, 120)
        assert [f.frame for f in shown] == list(range(shown[0].frame, shown[0].frame + 120))
        ws.send(json.dumps({"type": "leave"}))
        _, ended = until_text(ws)
    movie = server.runs / ended["result"]["movie"]
    assert movie.parent.parent.parent.name == "watched"  # a movie, on no board
    assert movie.parent.parent.name == "pong-Start.2P"
    assert arena("verify", str(movie)).returncode == 0
    with connect(play_url(server, "game=mario&watch=random")) as ws:
        assert json.loads(ws.recv(timeout=120))["seats"] == ["random"]
        frames(ws, 30)


def test_a_persons_movie_renders_inspects_and_becomes_demonstrations(server, tmp_path):
    with connect(play_url(server, "game=mario&player=demo")) as ws:
        json.loads(ws.recv(timeout=120))
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        frames(ws, 40)
        ws.send(json.dumps({"type": "buttons", "held": ["LEFT", "UP"], "seq": 2}))  # no action
        frames(ws, 20)
        ws.send(json.dumps({"type": "leave"}))
        _, ended = until_text(ws)
    movie = server.runs / ended["result"]["movie"]
    video = arena("play", str(movie), "--video", str(tmp_path / "game.mp4"))
    assert video.returncode == 0 and (tmp_path / "game.mp4").stat().st_size > 0, video.stderr
    page = arena("inspect", str(movie), "--out", str(tmp_path / "inspect"))
    assert page.returncode == 0, page.stderr
    made = arena("demos", str(movie.parent), "--out", str(tmp_path / "demos.npz"))
    assert made.returncode == 0, made.stderr
    assert "matching no action (-1)" in made.stdout, made.stdout


def test_a_profile_given_by_path_is_offered_and_its_games_verify(tmp_path):
    from conftest import profile_copy

    path = profile_copy(tmp_path, "mario", "mymario", title="My Mario")
    with served(tmp_path / "runs", "--profile", str(path)) as server:
        games = {g["name"]: g for g in json.loads(server.get("/api/games")[1])["games"]}
        assert games["mymario"]["title"] == "My Mario"
        with connect(play_url(server, "game=mymario&player=own")) as ws:
            assert json.loads(ws.recv(timeout=120))["type"] == "started"
            frames(ws, 20)
            ws.send(json.dumps({"type": "leave"}))
            _, ended = until_text(ws)
    assert ended["result"]["movie"].startswith("people/mymario-Level1-1/")
    assert arena("verify", str(tmp_path / "runs" / ended["result"]["movie"])).returncode == 0
    (tmp_path / "other").mkdir()
    named_mario = profile_copy(tmp_path / "other", "pong", "mario")
    clash = arena("serve", "--runs", str(tmp_path / "runs"), "--profile", str(named_mario))
    assert clash.returncode != 0 and "a game named 'mario' is already offered" in clash.stderr


def test_a_game_whose_process_dies_ends_with_a_message_and_leaves_no_movie(server):
    import os

    with connect(play_url(server, "game=mario&player=killed")) as ws:
        json.loads(ws.recv(timeout=120))
        frames(ws, 30)
        [worker] = live_workers(server.process.pid)
        os.kill(worker, signal.SIGKILL)  # the OOM killer, say
        _, ended = until_text(ws)
    assert ended["problem"] and "died" in ended["problem"], ended
    assert "result" not in ended or ended["result"] is None
    folder = server.runs / "people" / "mario-Level1-1" / "human:killed"
    wait_for(lambda: not list(folder.glob(".*.part.bk2")) if folder.exists() else True)
    assert not list(folder.glob("*.bk2")) if folder.exists() else True
    assert server.get("/api/games")[0] == 200  # the server goes on
