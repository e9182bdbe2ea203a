"""``arena serve``'s page in real Chromium (Debian's, driven by Playwright): a person plays
with the keyboard, the tab closes, and the game is recorded, verified and on the board.

``ARENA_DOCS_IMAGES=1`` also writes the screenshot the docs' "Play" page shows."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from serving import results, served, wait_for

from conftest import ROOT, arena

pytestmark = pytest.mark.slow  # .ci/run installs Debian's chromium: no skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served(tmp_path_factory.mktemp("browser") / "runs", "--entry", "random") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield chromium
        chromium.close()


def open_game(browser, server, path: str):
    page = browser.new_page()
    page.goto(server.url.split("?")[0] + path)
    page.wait_for_function("window.arenaStats && window.arenaStats.frames > 10", timeout=120_000)
    return page


def test_the_page_lists_the_games_and_their_seats(browser, server):
    page = browser.new_page()
    page.goto(server.url)
    mario = page.locator("#game-mario")
    mario.wait_for(timeout=60_000)
    assert "Super Mario Bros" in mario.inner_text()
    assert mario.locator("[data-state='Level1-1'] a.play").count() == 1
    pong = page.locator("#game-pong [data-state='Start.2P']")
    assert pong.locator("select.opponent option").all_inner_texts() == ["random"]
    page.fill("#player", "ann")
    pong.locator("select.seat").select_option("2")
    pong.locator("a.play").click()
    page.wait_for_url("**/play/pong?**")
    assert "seat=2" in page.url and "opponent=random" in page.url and "player=ann" in page.url
    page.close()


def test_mario_played_with_the_keyboard_is_recorded_when_the_tab_closes(browser, server):
    page = open_game(browser, server, "play/mario?state=Level1-1&player=ann")
    keys = page.locator("#keys").inner_text()
    assert "RIGHT\tArrowRight" in keys and "A\tKeyX" in keys  # RetroArch's defaults, shown
    page.keyboard.down("ArrowRight")
    for _ in range(3):
        page.keyboard.down("x")  # jump (A), and again
        page.wait_for_function("window.arenaStats.latencies.length > 0", timeout=60_000)
        page.keyboard.up("x")
    page.wait_for_function("window.arenaStats.returns[0] > 100", timeout=120_000)  # x grew
    page.wait_for_function("arenaStats.sounds > 30 && !arenaStats.muted")  # the core's sound
    page.check("#mute")
    page.wait_for_function("arenaStats.muted", timeout=60_000)
    stats = page.evaluate("({frames: arenaStats.frames, canvas: screen.width})")
    assert stats["frames"] > 60
    shot = page.screenshot(full_page=True)
    if os.environ.get("ARENA_DOCS_IMAGES"):
        (ROOT / "docs/img/serve-mario.png").write_bytes(shot)
    page.close()  # the tab closes: no leave message, the game is recorded as it stands
    line = wait_for_line(server.runs, "human:ann")
    assert line["return"] > 100 and line["done_reason"] in (None, "life_lost")
    checked = arena("verify", str(server.runs / line["movie"]))
    assert checked.returncode == 0, checked.stderr
    board = arena("leaderboard", str(server.runs))
    assert "human:ann" in board.stdout, board.stdout + board.stderr


def test_pong_in_a_seat_against_random_is_rated(browser, server):
    page = open_game(browser, server, "play/pong?state=Start.2P&seat=1&opponent=random&player=bo")
    page.keyboard.down("ArrowUp")
    page.wait_for_function("window.arenaStats.frames > 120", timeout=120_000)
    page.click("#leave")
    page.locator("#movie").wait_for(timeout=60_000)
    movie = page.locator("#movie").inner_text()
    assert arena("verify", str(server.runs / movie)).returncode == 0
    tournament = json.loads((server.runs / "people/pong-Start.2P/tournament.json").read_text())
    assert {"human:bo", "random"} <= {s["agent"] for s in tournament["standings"]}
    page.close()


def test_two_games_at_once_in_two_tabs(browser, server):
    one = open_game(browser, server, "play/mario?player=tab1")
    two = open_game(browser, server, "play/boxing?player=tab2")
    for page in (one, two):
        start = page.evaluate("arenaStats.frames")
        page.wait_for_function(f"arenaStats.frames > {start + 60}", timeout=120_000)
        page.close()
    wait_for_line(server.runs, "human:tab1")
    wait_for_line(server.runs, "human:tab2")


def test_a_key_can_be_changed_and_is_kept(browser, server):
    page = open_game(browser, server, "play/mario?player=keys")
    page.click("#keys button[data-button='A']")
    page.keyboard.press("k")
    assert page.locator("#keys button[data-button='A']").inner_text() == "KeyK"
    page.reload()
    page.wait_for_function("window.arenaStats && window.arenaStats.frames > 10", timeout=120_000)
    assert page.locator("#keys button[data-button='A']").inner_text() == "KeyK"
    page.click("#reset-keys")
    assert page.locator("#keys button[data-button='A']").inner_text() == "KeyX"
    page.close()


def wait_for_line(runs: Path, agent: str) -> dict:
    """The last results line of ``agent``, once its game is recorded."""
    return wait_for(lambda: [r for r in results(runs) if r["agent"] == agent])[-1]


def test_a_page_of_another_site_cannot_open_a_game(browser, server):
    page = browser.new_page()
    page.route("http://evil.example/**", lambda route: route.fulfill(
        content_type="text/html", body="<html><body>a page elsewhere</body></html>"))  # fmt: skip
    page.goto("http://evil.example/")
    address = server.ws + "ws/play?game=mario&player=evil"
    outcome = page.evaluate(
        """(address) => new Promise((done) => {
            const socket = new WebSocket(address);
            socket.onmessage = (event) => done("message: " + event.data);
            socket.onclose = (event) => done("closed " + event.code);
        })""",
        address,
    )
    assert outcome == "closed 1006", outcome  # the handshake was refused (403)
    page.close()


@pytest.mark.parametrize(
    ("script", "shown"),
    [
        ("for (let i = 0; i < 1000; i++) socket.send(JSON.stringify({type: 'buttons', held: [], seq: i}))",
         "over 240 messages a second"),
        # The server closes it (1009, too big), which the browser sees unless it is still
        # sending the rest (then 1006, the connection gone).
        ("socket.send('x'.repeat(10_000_000))", r"connection closed \((1009: frame exceeds limit|1006)"),
        ("socket.send(JSON.stringify({type: 'buttons', held: ['RIGHT; rm -rf /']}))",
         "held.0: string should match pattern"),
    ],
)  # fmt: skip
def test_a_flood_or_a_huge_or_bad_message_from_the_page_ends_its_game_with_a_message(
    browser, server, script, shown
):
    page = open_game(browser, server, "play/mario?player=hostile")
    page.evaluate(script)
    page.locator("#result").wait_for(timeout=60_000)
    assert re.search(shown, page.locator("#result").inner_text())
    page.close()
    line = wait_for_line(server.runs, "human:hostile")
    assert arena("verify", str(server.runs / line["movie"])).returncode == 0


def test_files_outside_runs_are_not_served_to_the_page(browser, server):
    page = browser.new_page()
    page.goto(server.url)
    statuses = page.evaluate(
        """async () => Promise.all(["/files/..%2F..%2Fetc%2Fpasswd", "/files/%2Fetc%2Fpasswd",
            "/static/..%2F..%2F__init__.py"].map(async (path) => (await fetch(path)).status))"""
    )
    assert statuses == [404, 404, 404]
    page.close()


def test_off_loopback_the_printed_url_lets_the_browser_in_and_nothing_else_does(
    browser, tmp_path
):
    with served(tmp_path / "runs", "--host", "0.0.0.0") as server:
        page = browser.new_page()
        bare = server.url.split("?")[0]
        answer = page.goto(bare)
        assert answer is not None and answer.status == 403
        assert "needs its token" in page.inner_text("body")
        page.goto(server.url)  # as printed: the token sets a cookie for the visit
        page.locator("#game-mario").wait_for(timeout=60_000)
        page.goto(bare + "play/mario?player=remote")  # no token in this URL: the cookie
        page.wait_for_function("window.arenaStats && arenaStats.frames > 30", timeout=120_000)
        page.click("#leave")
        page.locator("#movie").wait_for(timeout=60_000)
        page.close()


def test_a_gamepad_plays_through_the_gamepad_api(browser, server):
    page = browser.new_page()
    # A standard-layout pad whose d-pad right (button 15) is held, as the browser reports it.
    page.add_init_script("""
        const pressed = (i) => ({pressed: i === 15, value: i === 15 ? 1 : 0});
        const pad = {id: "test pad", mapping: "standard", connected: true, axes: [0, 0, 0, 0],
                     buttons: Array.from({length: 17}, (_, i) => pressed(i))};
        navigator.getGamepads = () => [pad, null, null, null];
    """)
    page.goto(server.url.split("?")[0] + "play/mario?state=Level1-1&player=pad")
    page.wait_for_function("window.arenaStats && arenaStats.returns[0] > 50", timeout=120_000)
    page.close()
    line = wait_for_line(server.runs, "human:pad")
    assert line["return"] > 50


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=Start.2P&opponent=ppo:/etc/passwd", "'ppo:/etc/passwd' is not a plain name"),
        ("state=Start.2P&opponent=ppo", "no entry 'ppo' is offered here"),
        ("state=..%2F..%2Fetc", "'../../etc' is not a plain name"),
    ],
)
def test_a_page_cannot_name_a_checkpoint_or_a_path(browser, server, query, shown):
    page = browser.new_page()
    page.goto(server.url.split("?")[0] + f"play/pong?{query}")
    page.locator("#result").wait_for(timeout=60_000)
    assert shown in page.locator("#result").inner_text()
    page.close()
