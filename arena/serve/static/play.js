// A live game: a client of WS /ws/play. The server paces the console; this page draws each
// frame as it comes, plays its sound, and sends the buttons held whenever they change.
"use strict";
const query = new URLSearchParams(location.search);
const game = decodeURIComponent(location.pathname.split("/").pop());
const canvas = document.getElementById("screen");
const context = canvas.getContext("2d");
const statusLine = document.getElementById("status");

// RetroArch's default keys, as RetroPad buttons...
const RETROPAD_KEYS = {
  up: "ArrowUp", down: "ArrowDown", left: "ArrowLeft", right: "ArrowRight",
  a: "KeyX", b: "KeyZ", x: "KeyS", y: "KeyA", l: "KeyQ", r: "KeyW",
  start: "Enter", select: "ShiftRight",
};
// ...and each console's buttons on the RetroPad (RetroArch's cores: FCEUmm, Genesis Plus GX,
// Snes9x, Stella). The Atari joystick's fire button is RetroPad A, on X.
const RETROPAD_OF = {
  Nes: {UP: "up", DOWN: "down", LEFT: "left", RIGHT: "right", A: "a", B: "b", START: "start", SELECT: "select"},
  Snes: {UP: "up", DOWN: "down", LEFT: "left", RIGHT: "right", A: "a", B: "b", X: "x", Y: "y", L: "l", R: "r", START: "start", SELECT: "select"},
  Genesis: {UP: "up", DOWN: "down", LEFT: "left", RIGHT: "right", A: "y", B: "b", C: "a", X: "l", Y: "x", Z: "r", START: "start", MODE: "select"},
  Atari2600: {UP: "up", DOWN: "down", LEFT: "left", RIGHT: "right", BUTTON: "a", RESET: "start", SELECT: "select"},
};
// The standard Gamepad API layout, as RetroPad buttons.
const PAD = {0: "b", 1: "a", 2: "y", 3: "x", 4: "l", 5: "r", 8: "select", 9: "start", 12: "up", 13: "down", 14: "left", 15: "right"};

let facts = null, keymap = {}, socket = null, ended = false;
const keysDown = new Set();
let held = [], seq = 0;
const pressedAt = new Map();
const stats = window.arenaStats = {frames: 0, bytes: 0, sounds: 0, muted: false, drawnAt: [], latencies: [], lastFrame: 0, returns: [0, 0], ended: null, started: null};

function defaultKeymap(system, buttons) {
  const map = {};
  const pad = RETROPAD_OF[system] || {};
  for (const button of buttons) if (pad[button]) map[button] = RETROPAD_KEYS[pad[button]];
  return map;
}

function loadKeymap() {
  const saved = localStorage.getItem(`arena-keys-${facts.system}`);
  keymap = saved ? JSON.parse(saved) : defaultKeymap(facts.system, facts.buttons);
  showKeys();
}

function showKeys() {
  const table = document.getElementById("keys");
  table.replaceChildren();
  for (const button of facts.buttons) {
    const row = table.insertRow();
    row.insertCell().textContent = button;
    const change = document.createElement("button");
    change.textContent = keymap[button] || "none";
    change.dataset.button = button;
    change.onclick = () => {
      change.textContent = "press a key…";
      const take = (ev) => {
        ev.preventDefault();
        keymap[button] = ev.code;
        localStorage.setItem(`arena-keys-${facts.system}`, JSON.stringify(keymap));
        window.removeEventListener("keydown", take, true);
        showKeys();
      };
      window.addEventListener("keydown", take, true);
    };
    row.insertCell().append(change);
  }
}

function buttonsHeld() {
  const found = new Set();
  for (const [button, code] of Object.entries(keymap)) if (keysDown.has(code)) found.add(button);
  const pad = RETROPAD_OF[facts.system] || {};
  const byPad = Object.fromEntries(Object.entries(pad).map(([b, p]) => [p, b]));
  for (const gamepad of navigator.getGamepads ? navigator.getGamepads() : []) {
    if (!gamepad) continue;
    gamepad.buttons.forEach((b, i) => { if (b.pressed && byPad[PAD[i]]) found.add(byPad[PAD[i]]); });
    const [x, y] = gamepad.axes;
    if (x < -0.5 && byPad.left) found.add(byPad.left);
    if (x > 0.5 && byPad.right) found.add(byPad.right);
    if (y < -0.5 && byPad.up) found.add(byPad.up);
    if (y > 0.5 && byPad.down) found.add(byPad.down);
  }
  return [...found].sort();
}

function sendButtons() {
  if (!facts || ended || !socket || socket.readyState !== WebSocket.OPEN) return;
  const now = buttonsHeld();
  if (now.join() === held.join()) return;
  held = now;
  seq += 1;
  pressedAt.set(seq, performance.now());
  socket.send(JSON.stringify({type: "buttons", held, seq}));
}

// -- sound --------------------------------------------------------------------------------
let audio = null, gain = null, soundAt = 0;
const mute = document.getElementById("mute");
mute.checked = localStorage.getItem("arena-mute") === "1";
mute.onchange = () => {
  localStorage.setItem("arena-mute", mute.checked ? "1" : "0");
  if (gain) gain.gain.value = mute.checked ? 0 : 1;
};
function startSound() {  // browsers start sound only after a key or a click
  if (audio || !facts) return;
  audio = new AudioContext();
  gain = audio.createGain();
  gain.gain.value = mute.checked ? 0 : 1;
  gain.connect(audio.destination);
}
function playSound(samples) {
  if (!audio || samples.length === 0) return;
  const n = samples.length / 2;
  const buffer = audio.createBuffer(2, n, facts.audio_rate);
  const left = buffer.getChannelData(0), right = buffer.getChannelData(1);
  for (let i = 0; i < n; i++) { left[i] = samples[2 * i] / 32768; right[i] = samples[2 * i + 1] / 32768; }
  const source = audio.createBufferSource();
  source.buffer = buffer;
  source.connect(gain);
  const now = audio.currentTime;
  if (soundAt < now || soundAt > now + 0.25) soundAt = now + 0.05;  // late or far ahead: start over
  source.start(soundAt);
  soundAt += n / facts.audio_rate;
  stats.sounds += 1;
  stats.muted = gain.gain.value === 0;
}

// -- frames -------------------------------------------------------------------------------
let image = null;
function draw(data) {
  const view = new DataView(data);
  const magic = String.fromCharCode(...new Uint8Array(data, 0, 4));
  if (magic !== "ARF1") return;
  const frame = view.getUint32(4, true), width = view.getUint16(8, true), height = view.getUint16(10, true);
  const sampleFrames = view.getUint32(12, true);
  const returns = [view.getFloat64(16, true), view.getFloat64(24, true)];
  const acked = view.getUint32(32, true);
  const pixels = new Uint8Array(data, 36, width * height * 3);
  const offset = 36 + width * height * 3;
  playSound(new Int16Array(data.slice(offset, offset + sampleFrames * 4)));
  stats.bytes += data.byteLength; stats.returns = returns;
  if (width === 0) return frame;  // sound only: this page fell behind, and catches up
  if (!image || image.width !== width || image.height !== height) {
    canvas.width = width; canvas.height = height;
    const scale = Math.max(1, Math.min(3, Math.floor((window.innerHeight - 160) / height)));  // whole pixels
    canvas.style.width = `${width * scale}px`; canvas.style.height = `${height * scale}px`;
    image = context.createImageData(width, height);
  }
  const rgba = image.data;
  for (let i = 0, j = 0; i < pixels.length; i += 3, j += 4) {
    rgba[j] = pixels[i]; rgba[j + 1] = pixels[i + 1]; rgba[j + 2] = pixels[i + 2]; rgba[j + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  const now = performance.now();
  for (const [n, at] of pressedAt) {
    if (n <= acked) { stats.latencies.push(now - at); pressedAt.delete(n); }
  }
  stats.frames += 1; stats.lastFrame = frame;
  stats.drawnAt.push(now);
  if (stats.drawnAt.length > 7200) stats.drawnAt.splice(0, 3600);
  if (stats.frames % 10 === 0) {
    const score = facts.players === 2 ? `${returns[0]} : ${returns[1]}` : `${returns[0]}`;
    statusLine.textContent = `frame ${frame}   return ${score}   ${fps()} frames/s`;
  }
  return frame;
}
function fps() {
  const times = stats.drawnAt, n = times.length;
  if (n < 2) return "–";
  const last = times[n - 1];
  let first = n - 1;
  while (first > 0 && last - times[first - 1] <= 1000) first -= 1;
  return (n - 1 - first).toString();
}

function showEnd(message) {
  ended = true;
  const box = document.getElementById("result");
  box.hidden = false;
  box.replaceChildren();
  const add = (text, cls) => { const p = document.createElement("p"); p.textContent = text; if (cls) p.className = cls; box.append(p); return p; };
  if (message.type === "error") { add(message.message, "error"); return; }
  stats.ended = message;
  if (message.problem) add(message.problem, "error");
  const result = message.result;
  if (!result) { add("The game ended without a recording."); return; }
  add(`Game over: return ${result.returns.join(" : ")} in ${result.frames} frames` +
      (result.done_reason ? ` (${result.done_reason})` : "") + (result.forfeit ? `; forfeit: ${result.forfeit}` : ""));
  if (result.movie) {
    const p = add("Recorded: ");
    const a = document.createElement("a");
    a.href = `/files/${result.movie}`; a.textContent = result.movie; a.id = "movie";
    p.append(a, ` (check it: arena verify RUNS/${result.movie})`);
  }
  if (result.board) add(`On the board: RUNS/${result.board}`);
  const again = add(""); const link = document.createElement("a");
  link.href = location.href; link.textContent = "Play again"; again.append(link);
}

function connect() {
  const params = new URLSearchParams();
  params.set("game", game);
  for (const key of ["state", "seat", "opponent", "seed", "watch", "tools", "cheat"]) if (query.get(key)) params.set(key, query.get(key));
  params.set("player", query.get("player") || localStorage.getItem("arena-player") || "player");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/play?${params}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") {
      const frame = draw(event.data);  // then said, so the server sends no more than we draw
      if (frame !== undefined && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({type: "drawn", frame}));
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type === "started") {
      facts = message;
      stats.started = message;
      document.getElementById("title").textContent = `${game} · ${message.seats.join(" vs ")}`;
      document.title = `retro-arena: ${game}`;
      loadKeymap();
      if (window.arenaTools) window.arenaTools.started(message);
    } else if (message.type === "ended" || message.type === "error") {
      showEnd(message);
    } else if (window.arenaTools) {
      window.arenaTools.message(message);  // the tools' panel, replies and refusals
    }
  };
  socket.onclose = (event) => {
    if (!ended) showEnd({type: "error", message: `connection closed (${event.code}${event.reason ? ": " + event.reason : ""})`});
  };
}

const typing = (ev) => ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement;
window.addEventListener("keydown", (ev) => {
  startSound();
  if (typing(ev) || !facts || !Object.values(keymap).includes(ev.code)) return;
  ev.preventDefault();
  keysDown.add(ev.code);
  sendButtons();
});
window.addEventListener("keyup", (ev) => { keysDown.delete(ev.code); sendButtons(); });
window.addEventListener("blur", () => { keysDown.clear(); sendButtons(); });
window.addEventListener("click", startSound);
(function pollPads() { if (navigator.getGamepads) sendButtons(); requestAnimationFrame(pollPads); })();
document.getElementById("leave").onclick = () => {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({type: "leave"}));
};
document.getElementById("reset-keys").onclick = () => {
  if (!facts) return;
  localStorage.removeItem(`arena-keys-${facts.system}`);
  loadKeymap();
};
window.arenaSend = (message) => {  // for the tools (tools.js)
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
};
connect();
