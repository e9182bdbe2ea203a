"""The Integration UI's jobs on the play page (``&tools=1``) in real Chromium: the issue's
proofs, clicked as a person clicks them. ``ARENA_DOCS_IMAGES=1`` also writes the screenshots
the docs show."""

from __future__ import annotations

import os
import shutil

import pytest
from serving import mario_home, served

from conftest import ROOT, arena

pytestmark = pytest.mark.slow  # .ci/run installs Debian's chromium: no skip


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return mario_home(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, home):
    with served(tmp_path_factory.mktemp("tools") / "runs", env=home) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


def open_tools(browser, server, game: str = "mario"):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url.split("?")[0] + f"play/{game}?state=Level1-1&tools=1&player=maker")
    page.wait_for_function("window.arenaStats && arenaStats.frames > 10", timeout=120_000)
    page.locator("#panel tr").first.wait_for(timeout=60_000)
    return page


def lives_row(page):
    """The lives counter's row of the RAM search (0x075A: the one byte equal to 2 of them)."""
    page.click("[data-search='start']")
    page.fill("#search-value", "2")
    page.click("[data-search='equals']")
    row = page.locator("#candidates tr[data-address='1882']")
    row.wait_for(timeout=60_000)
    return row


def value(page, name: str) -> float:
    shown = page.locator(f"#panel tr[data-name='{name}'] td").nth(3).inner_text()
    return {"true": 1.0, "false": 0.0}[shown] if shown in ("true", "false") else float(shown)


def shot(page, name: str) -> None:
    if os.environ.get("ARENA_DOCS_IMAGES"):
        (ROOT / "docs" / "img" / name).write_bytes(page.screenshot(full_page=True))


def test_pause_rewind_two_seconds_and_save_a_state_that_runs_and_verifies(
    browser, server, home, tmp_path
):
    page = open_tools(browser, server)
    page.keyboard.down("ArrowRight")
    page.wait_for_function("arenaStats.frames > 100", timeout=60_000)
    page.keyboard.up("ArrowRight")
    page.keyboard.down("ArrowLeft")  # away from the Goomba
    page.wait_for_function("arenaStats.frames > 200", timeout=60_000)
    page.keyboard.up("ArrowLeft")
    page.click("#pause")
    page.fill("#rewind-seconds", "2")
    page.click("#rewind")
    page.wait_for_function("document.querySelector('#time-status').textContent.includes('rewound')")
    words = page.locator("#time-status").inner_text().split()  # rewound from frame A to B
    assert int(words[3]) - int(words[5]) == 120  # two seconds of the NES's 60.1 frames
    page.fill("#state-name", "Level1-1-from-page")
    page.click("#save-state")
    page.locator("#state-status").filter(has_text="saved").wait_for(timeout=60_000)
    shot(page, "serve-tools.png")
    page.click("#leave")
    page.locator("#movie").wait_for(timeout=60_000)
    movie = page.locator("#movie").inner_text()
    page.close()
    assert arena("verify", str(server.runs / movie), env=home).returncode == 0
    run = arena("run", "--game", "mario", "--state", "Level1-1-from-page", "--agent", "random",
                "--episodes", "1", "--record", str(tmp_path / "r"), env=home)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert arena("verify", str(tmp_path / "r"), env=home).returncode == 0


def test_losing_a_life_narrows_the_candidates_to_the_lives_counter(browser, server):
    page = open_tools(browser, server, "mario_lives")
    page.click("[data-search='start']")
    page.locator("#search-count").filter(has_text="candidates").wait_for(timeout=60_000)
    page.keyboard.down("ArrowRight")
    for _ in range(40):  # "unchanged" while nothing happens, until Mario meets the Goomba
        start = page.evaluate("arenaStats.frames")
        page.wait_for_function(f"arenaStats.frames > {start + 30}", timeout=60_000)
        if value(page, "dying"):  # the lives drop some 180 frames later
            break
        page.click("[data-search='unchanged']")
    page.keyboard.up("ArrowRight")
    page.wait_for_function(
        """document.querySelector("#panel tr[data-name='lives'] td:nth-child(4)")
           ?.textContent === '1'""", timeout=60_000)  # fmt: skip
    page.click("[data-search='decreased']")
    for _ in range(8):  # the lives stay as they are while the level starts again
        start = page.evaluate("arenaStats.frames")
        page.wait_for_function(f"arenaStats.frames > {start + 30}", timeout=60_000)
        page.click("[data-search='unchanged']")
    page.wait_for_function(
        "(() => { const t = document.querySelector('#search-count').textContent;"
        " const n = parseInt(t); return n > 0 && n <= 5; })()", timeout=60_000)  # fmt: skip
    assert page.locator("#candidates tr[data-address='1882']").count() == 1  # 0x075A
    shot(page, "serve-ram-search.png")
    page.close()


def test_a_typed_rule_turns_true_once_mario_walks_right(browser, server):
    page = open_tools(browser, server)
    page.fill("#rule-name", "far")
    page.fill("#rule-expression", "x > 100")
    page.click("#set-rule")
    page.wait_for_function(
        """document.querySelector("#rules tr[data-rule='far'] td.value")?.textContent === '0'""",
        timeout=60_000,
    )  # evaluated, and false where Mario stands
    page.keyboard.down("ArrowRight")
    page.wait_for_function(
        """document.querySelector("#rules tr[data-rule='far'] td.value").textContent === '1'""",
        timeout=60_000,
    )
    assert value(page, "x") > 100
    page.close()


def test_poking_the_lives_is_watched_and_kept_in_the_recording(browser, server, home):
    page = open_tools(browser, server)
    row = lives_row(page)
    row.locator("input.poke-value").fill("8")
    row.locator("button", has_text="Poke").click()
    page.locator("#time-status").filter(has_text="kept in the recording").wait_for(timeout=60_000)
    row.locator("button", has_text="Watch").click()
    watched = page.locator("#panel tr[data-name='0x075A'] td").nth(3)
    watched.wait_for(timeout=60_000)
    assert watched.inner_text() == "8"
    page.click("#leave")
    page.locator("#movie").wait_for(timeout=60_000)
    movie = page.locator("#movie").inner_text()
    page.close()
    assert arena("verify", str(server.runs / movie), env=home).returncode == 0


def test_a_profile_written_from_the_page_loads_and_its_probes_pass(browser, server, home):
    page = open_tools(browser, server)
    row = lives_row(page)
    row.locator("input.var-name").fill("lives_found")
    row.locator("button", has_text="Name it").click()
    assert "--var lives_found=0x75A:'|u1'" in page.locator("#integrate-line").inner_text()
    page.select_option("#rule-kind", "done")
    page.fill("#rule-name", "out_of_lives")
    page.fill("#rule-expression", "lives < 0")
    page.click("#set-rule")
    page.fill("#profile-name", "mario_from_page")
    page.click("#write-profile")
    page.locator("#profile-status").filter(has_text="written").wait_for(timeout=60_000)
    path = page.locator("#profile-status").inner_text().split("written: ")[1]
    page.close()
    probed = arena("probe", path, env=home)
    assert probed.returncode == 0, probed.stdout + probed.stderr


NINE = [  # the game's own "9", as it draws it on the screen before a life (8 x 8 pixels)
    ".#####..",
    "##...##.",
    "##...##.",
    ".######.",
    ".....##.",
    "....##..",
    ".####...",
    "........",
]


def test_poking_the_lives_to_8_shows_9_lives_on_the_screen(browser, server):
    page = open_tools(browser, server, "mario_lives")
    row = lives_row(page)
    row.locator("button", has_text="Watch").click()
    lives = page.locator("#panel tr[data-name='0x075A'] td").nth(3)
    lives.wait_for(timeout=60_000)
    page.keyboard.down("ArrowRight")  # into the first Goomba
    page.wait_for_function(
        """document.querySelector("#panel tr[data-name='dying'] td:nth-child(4)")
           ?.textContent === 'true'""", timeout=60_000)  # fmt: skip
    page.click("#pause")
    page.keyboard.up("ArrowRight")
    for _ in range(400):  # a frame at a time through the death, until the counter drops
        if lives.inner_text() == "1":
            break
        before = page.locator("#time-status").inner_text()
        page.click("#step")
        page.wait_for_function(
            f"document.querySelector('#time-status').textContent !== {before!r}", timeout=60_000
        )
    assert lives.inner_text() == "1"
    row.locator("input.poke-value").fill("8")
    row.locator("button", has_text="Poke").click()
    page.wait_for_function(
        """document.querySelector("#panel tr[data-name='0x075A'] td:nth-child(4)")
           ?.textContent === '8'""", timeout=60_000)  # fmt: skip
    page.click("#resume")
    start = page.evaluate("arenaStats.frames")
    page.wait_for_function(f"arenaStats.frames > {start + 90}", timeout=60_000)
    page.click("#pause")
    digit = page.evaluate(
        """() => { const c = document.getElementById('screen').getContext('2d');
                   const d = c.getImageData(136, 104, 8, 8).data; const rows = [];
                   for (let y = 0; y < 8; y++) { let r = '';
                     for (let x = 0; x < 8; x++) { const i = 4 * (8 * y + x);
                       r += d[i] + d[i + 1] + d[i + 2] > 150 ? '#' : '.'; }
                     rows.push(r); }
                   return rows; }"""
    )
    shot(page, "serve-poke-lives.png")
    page.close()
    assert digit == NINE, "\n".join(digit)
