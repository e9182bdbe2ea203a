// The Integration UI's jobs on a live game (&tools=1): a client of the same WebSocket as
// play.js (window.arenaSend), whose text messages it is handed (arenaTools.message).
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  if (params.get("tools") !== "1") return;
  const game = decodeURIComponent(location.pathname.split("/").pop());
  const $ = (id) => document.getElementById(id);
  const send = (message) => window.arenaSend(message);
  const say = (text) => { $("tools-message").textContent = text; };
  $("tools").hidden = false;

  const charted = new Set(), series = {};
  const named = {};   // address -> [name, type]: variables found
  const typed = {};   // name -> [kind, expression]
  let lastPanel = null, rewoundTo = -1, paused = false;

  function cell(row, text) { const td = row.insertCell(); td.textContent = text; return td; }
  function button(label, onclick) { const b = document.createElement("button"); b.textContent = label; b.onclick = onclick; return b; }
  const number = (value) => typeof value === "number" ? (Number.isInteger(value) ? value : value.toFixed(3)) : String(value);

  let panels = 0;
  function takePanel(panel) {  // every frame's values are charted; the table shows 10 a second
    lastPanel = panel;
    for (const [name, value] of Object.entries({...panel.values, ...(panel.watched || {})})) {
      if (typeof value !== "number" && typeof value !== "boolean") continue;
      (series[name] = series[name] || []).push(Number(value));
      if (series[name].length > 600) series[name].shift();
    }
    if (panel.frames_played !== rewoundTo)
      $("time-status").textContent = `${panel.frames_played} frames played; rewind reaches ${panel.rewind_reach}` +
        (panel.edits ? `; ${panel.edits} poke(s) and code(s), kept in the recording` : "");
    if (paused || panels++ % 6 === 0) showPanel(panel);  // stepping: every frame shows
  }

  function showPanel(panel) {
    const table = $("panel");
    table.replaceChildren();
    const rows = [
      ...Object.entries(panel.values).map(([k, v]) => ["value", k, v]),
      ...panel.terms.flatMap((terms, p) => Object.entries(terms).map(
        ([k, v]) => ["term" + (p ? ` p${p + 1}` : ""), k, `${number(v)} (last step ${number(panel.step_terms[p][k])})`])),
      ...Object.entries(panel.done).map(([k, v]) => ["done", k, v]),
      ["progress", "best", panel.progress],
      ...Object.entries(panel.watched || {}).map(([k, v]) => ["watched", k, v]),
    ];
    for (const [kind, name, value] of rows) {
      const row = table.insertRow();
      if (kind === "done" && value) row.className = "true";
      const box = document.createElement("input");
      box.type = "checkbox"; box.checked = charted.has(name); box.dataset.name = name;
      box.onchange = () => { box.checked ? charted.add(name) : charted.delete(name); };
      row.insertCell().append(box);
      cell(row, kind); cell(row, name); cell(row, number(value));
      row.dataset.name = name;
    }
    const rules = $("rules");
    rules.replaceChildren();
    for (const [name, [kind]] of Object.entries(typed)) {
      const row = rules.insertRow();
      row.dataset.rule = name;
      const value = name in panel.rules ? panel.rules[name] : (panel.rule_errors[name] || "");
      cell(row, kind); cell(row, name); cell(row, typed[name][1]);
      const shown = cell(row, number(value));
      if (value === 1) row.className = "true";
      shown.className = "value";
    }
    drawChart();
  }

  function drawChart() {
    const canvas = $("chart"), context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const colors = ["#8cc4ff", "#ffd166", "#ef476f", "#06d6a0", "#c792ea"];
    [...charted].forEach((name, i) => {
      const values = series[name] || [];
      if (values.length < 2) return;
      const low = Math.min(...values), high = Math.max(...values), span = high - low || 1;
      context.strokeStyle = colors[i % colors.length];
      context.beginPath();
      values.forEach((v, x) => {
        const px = (x / 599) * canvas.width, py = canvas.height - 4 - ((v - low) / span) * (canvas.height - 8);
        x ? context.lineTo(px, py) : context.moveTo(px, py);
      });
      context.stroke();
      context.fillStyle = context.strokeStyle;
      context.fillText(`${name} ${number(values[values.length - 1])} [${number(low)}, ${number(high)}]`, 4, 12 + 12 * i);
    });
  }

  function showCandidates(reply) {
    $("search-count").textContent = `${reply.count} candidates (${reply.ram_type})`;
    const table = $("candidates");
    table.replaceChildren();
    for (const [address, value] of reply.candidates) {
      const row = table.insertRow();
      row.dataset.address = address;
      const hex = "0x" + address.toString(16).toUpperCase().padStart(4, "0");
      cell(row, hex); cell(row, value);
      const poke = document.createElement("input");
      poke.type = "number"; poke.size = 4; poke.className = "poke-value";
      const name = document.createElement("input");
      name.size = 10; name.placeholder = "name"; name.className = "var-name";
      row.insertCell().append(
        button("Watch", () => send({type: "watch", address, ram_type: reply.ram_type})),
        " ", poke, button("Poke", () => send({type: "poke", address, value: Number(poke.value), ram_type: reply.ram_type})),
        " ", name, button("Name it", () => {
          named[address] = [name.value, reply.ram_type];
          send({type: "watch", address, ram_type: reply.ram_type});
          showIntegrateLine();
        }));
    }
  }

  function showIntegrateLine() {
    const vars = Object.entries(named).map(([a, [n, t]]) => `--var ${n}=0x${Number(a).toString(16).toUpperCase()}:'${t}'`);
    $("integrate-line").textContent = vars.length ? `arena integrate ROM --name NAME ${vars.join(" ")}` : "";
  }

  window.arenaTools = {
    started() {},
    message(message) {
      if (message.type === "panel") { takePanel(message); return; }
      if (message.type === "refused") { say(`${message.to}: ${message.message}`); return; }
      say("");
      if (message.to === "search") showCandidates(message);
      else if (message.to === "save_state") $("state-status").textContent = `saved ${message.saved}: ${message.path}`;
      else if (message.to === "write_profile") $("profile-status").textContent = `written: ${message.written}`;
      else if (message.to === "rule" && Object.keys(message.errors || {}).length) say(Object.values(message.errors).join("; "));
      else if (message.to === "rewind") {
        rewoundTo = message.rewound_to;
        $("time-status").textContent = `rewound from frame ${message.rewound_from} to ${message.rewound_to}`;
      }
      if (lastPanel && message.to !== "rewind") showPanel(lastPanel);
    },
  };

  $("pause").onclick = () => { paused = true; send({type: "pause"}); };
  $("resume").onclick = () => { paused = false; send({type: "resume"}); };
  $("step").onclick = () => send({type: "step", frames: 1});
  $("speed").onchange = () => send({type: "speed", factor: Number($("speed").value)});
  $("rewind").onclick = () => send({type: "rewind", seconds: Number($("rewind-seconds").value)});
  $("save-state").onclick = () => send({type: "save_state", name: $("state-name").value});
  for (const b of document.querySelectorAll("[data-search]")) {
    b.onclick = () => {
      const message = {type: "search", kind: b.dataset.search, ram_type: $("ram-type").value};
      if (b.dataset.search === "equals") message.value = Number($("search-value").value);
      send(message);
    };
  }
  $("set-rule").onclick = () => {
    const name = $("rule-name").value, expression = $("rule-expression").value;
    typed[name] = [$("rule-kind").value, expression];
    if (!expression) delete typed[name];
    send({type: "rule", name, expression});
  };
  $("apply-cheat").onclick = () => send({type: "cheat", code: $("cheat-code").value});
  $("write-profile").onclick = () => {
    const variables = Object.entries(named).map(([a, [n, t]]) => [n, Number(a), t]);
    const pick = (kind) => Object.entries(typed).filter(([, [k]]) => k === kind).map(([n, [, e]]) => [n, e]);
    send({type: "write_profile", name: $("profile-name").value, variables, rewards: pick("reward"), done: pick("done")});
  };
  fetch("/api/games").then((r) => r.json()).then(({games}) => {
    const me = games.find((g) => g.name === game);
    if (!me) return;
    const select = $("load-state");
    for (const [state, players] of me.states) {
      if (players !== 1) continue;
      const option = document.createElement("option");
      option.value = state; option.textContent = state;
      option.selected = state === (params.get("state") || me.default_state);
      select.append(option);
    }
    select.onchange = () => { params.set("state", select.value); location.search = params.toString(); };
    const links = $("cheat-links");
    for (const name of me.cheats) {
      const on = (params.get("cheat") || "").split(",").filter(Boolean);
      const next = new URLSearchParams(params);
      next.set("cheat", on.includes(name) ? on.filter((c) => c !== name).join(",") : [...on, name].join(","));
      const a = document.createElement("a");
      a.href = `?${next}`; a.textContent = (on.includes(name) ? "✓ " : "") + name;
      links.append(" ", a);
    }
  });
})();
