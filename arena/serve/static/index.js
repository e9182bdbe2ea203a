// The list of games: a client of GET /api/games and GET /api/entries.
"use strict";
const nameBox = document.getElementById("player");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function playUrl(game, query) {
  const params = new URLSearchParams(query);
  if (nameBox.value) params.set("player", nameBox.value);
  return `/play/${encodeURIComponent(game)}?${params}`;
}

function entrySelect(entries, game) {
  const select = el("select");
  for (const e of entries) {
    if (e.games.includes(game)) select.append(el("option", {value: e.label}, e.label));
  }
  return select;
}

function stateRow(game, [state, players], entries) {
  const row = el("div", {class: "state", "data-state": state});
  row.append(el("strong", {}, state), ` (${players}P) `);
  entries = entries.filter((e) => e.games.includes(game.name));
  if (players === 1) {
    const link = el("a", {href: "#", class: "play"}, "Play");
    link.onclick = (ev) => { ev.preventDefault(); location.href = playUrl(game.name, {state}); };
    const tools = el("a", {href: "#", class: "tools"}, "Tools");
    tools.onclick = (ev) => { ev.preventDefault(); location.href = playUrl(game.name, {state, tools: "1"}); };
    row.append(link, " · ", tools);
    if (entries.length) {
      const who = entrySelect(entries, game.name);
      const watch = el("a", {href: "#", class: "watch"}, "Watch");
      watch.onclick = (ev) => { ev.preventDefault(); location.href = playUrl(game.name, {state, watch: who.value}); };
      row.append(" · ", watch, " ", who);
    }
    return row;
  }
  if (!entries.length) {
    row.append(el("span", {class: "muted"}, "start the server with --entry to take a seat against an agent"));
    return row;
  }
  const seat = el("select", {class: "seat"}, el("option", {value: "1"}, "seat 1"), el("option", {value: "2"}, "seat 2"));
  const opponent = entrySelect(entries, game.name);
  opponent.classList.add("opponent");
  const link = el("a", {href: "#", class: "play"}, "Play");
  link.onclick = (ev) => {
    ev.preventDefault();
    location.href = playUrl(game.name, {state, seat: seat.value, opponent: opponent.value});
  };
  const one = entrySelect(entries, game.name), two = entrySelect(entries, game.name);
  const watch = el("a", {href: "#", class: "watch"}, "Watch");
  watch.onclick = (ev) => { ev.preventDefault(); location.href = playUrl(game.name, {state, watch: `${one.value},${two.value}`}); };
  row.append(link, " in ", seat, " against ", opponent, " · ", watch, " ", one, " against ", two);
  return row;
}

async function main() {
  const [games, entries] = await Promise.all(
    ["/api/games", "/api/entries"].map((url) => fetch(url).then((r) => r.json())));
  nameBox.value = localStorage.getItem("arena-player") || games.player;
  nameBox.onchange = () => localStorage.setItem("arena-player", nameBox.value);
  const list = document.getElementById("games");
  list.replaceChildren();
  if (!games.games.length) list.append(el("p", {}, "No game has its ROM installed: run `arena roms fetch`."));
  for (const game of games.games) {
    const block = el("div", {class: "game", id: `game-${game.name}`});
    block.append(el("h2", {}, `${game.title} `, el("span", {class: "muted"}, `${game.name} · ${game.system}`)));
    for (const state of game.states) block.append(stateRow(game, state, entries.entries));
    list.append(block);
  }
}
main();
