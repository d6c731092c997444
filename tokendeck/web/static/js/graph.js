// The concept graph of a deck: plain SVG with a small force layout (no library, no CDN).
// Every node is a link to its card, so the graph is usable by keyboard; the list below it
// says the same in words for screen readers.
import { api, announce, esc } from "./api.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 800;
const HEIGHT = 560;
const GRAVITY = 0.5;

/** Positions for the nodes: a seeded circle start, then spring and repulsion steps. */
export function layout(nodes, edges, steps = 300) {
  const n = nodes.length;
  const pos = nodes.map((_, i) => ({
    x: WIDTH / 2 + 200 * Math.cos((2 * Math.PI * i) / Math.max(1, n)),
    y: HEIGHT / 2 + 200 * Math.sin((2 * Math.PI * i) / Math.max(1, n)),
  }));
  const index = new Map(nodes.map((node, i) => [node.card_id, i]));
  const links = edges.map((e) => [index.get(e.source), index.get(e.target)]).filter(([a, b]) => a !== undefined && b !== undefined);
  // Fruchterman-Reingold: pairs repel by k²/d, linked cards attract by d²/k, moves cool down.
  const k = Math.sqrt((WIDTH * HEIGHT) / Math.max(1, n)) * 0.35;
  for (let step = 0; step < steps; step++) {
    const heat = 30 * (1 - step / steps) + 1;
    const force = pos.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = pos[i].x - pos[j].x || 0.01;
        const dy = pos[i].y - pos[j].y || 0.01;
        const d = Math.sqrt(dx * dx + dy * dy);
        const push = (k * k) / d / d;
        force[i].x += dx * push; force[i].y += dy * push;
        force[j].x -= dx * push; force[j].y -= dy * push;
      }
    }
    for (const [a, b] of links) {
      const dx = pos[b].x - pos[a].x;
      const dy = pos[b].y - pos[a].y;
      const pull = Math.sqrt(dx * dx + dy * dy) / k;
      force[a].x += dx * pull; force[a].y += dy * pull;
      force[b].x -= dx * pull; force[b].y -= dy * pull;
    }
    pos.forEach((p, i) => {
      // Gravity to the centre keeps unconnected cards near the others.
      const fx = force[i].x + (WIDTH / 2 - p.x) * GRAVITY;
      const fy = force[i].y + (HEIGHT / 2 - p.y) * GRAVITY;
      const len = Math.sqrt(fx * fx + fy * fy) || 1;
      const move = Math.min(len, heat);
      p.x = Math.min(WIDTH - 90, Math.max(20, p.x + (fx / len) * move));
      p.y = Math.min(HEIGHT - 20, Math.max(20, p.y + (fy / len) * move));
    });
  }
  return fit(pos);
}

/** Stretch the positions to fill the drawing (labels run to the right of their node). */
function fit(pos) {
  if (pos.length < 2) return pos.map(() => ({ x: WIDTH / 2, y: HEIGHT / 2 }));
  const xs = pos.map((p) => p.x);
  const ys = pos.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = (v, lo, hi, from, to) => (hi - lo < 1 ? (from + to) / 2 : from + ((v - lo) / (hi - lo)) * (to - from));
  return pos.map((p) => ({ x: scale(p.x, x0, x1, 30, WIDTH - 150), y: scale(p.y, y0, y1, 30, HEIGHT - 30) }));
}

function element(name, attributes) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  return el;
}

function draw(graph) {
  const svg = $("graph");
  svg.replaceChildren();
  const pos = layout(graph.nodes, graph.edges);
  const at = new Map(graph.nodes.map((node, i) => [node.card_id, pos[i]]));
  for (const edge of graph.edges) {
    const a = at.get(edge.source);
    const b = at.get(edge.target);
    if (!a || !b) continue;
    svg.append(element("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: `edge edge-${edge.kind}`, "aria-hidden": "true" }));
  }
  graph.nodes.forEach((node, i) => {
    const link = element("a", { href: `/cards/${node.card_id}`, class: "node" });
    link.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:title", node.term);
    link.append(element("circle", { cx: pos[i].x, cy: pos[i].y, r: 7 }));
    const label = element("text", { x: pos[i].x + 10, y: pos[i].y + 4 });
    label.textContent = node.term;
    link.append(label);
    svg.append(link);
  });
  const names = new Map(graph.nodes.map((node) => [node.card_id, node.term]));
  const words = { mentions: "mentions", confusable: "is easily confused with" };
  $("graph-edges").innerHTML = graph.edges.length
    ? graph.edges.map((e) => `<li><a href="/cards/${e.source}">${esc(names.get(e.source))}</a> ${words[e.kind]} ` +
      `<a href="/cards/${e.target}">${esc(names.get(e.target))}</a></li>`).join("")
    : "<li>No links between these cards yet.</li>";
  const text = `${graph.nodes.length} cards, ${graph.edges.length} links in ${graph.deck}.`;
  $("graph-status").textContent = text;
  document.body.dataset.graphReady = "true";
  announce(text);
}

const LINT = {
  long_answer: "long answer", several_facts: "several facts", noise: "noise",
  duplicate: "duplicate", near_duplicate: "near duplicate",
};

function drawLint(issues, names) {
  $("lint").innerHTML = issues.length
    ? issues.map((i) => `<li><a href="/cards/${i.card_id}">${esc(names.get(i.card_id) || `card ${i.card_id}`)}</a>` +
      ` <span class="lint-code">${LINT[i.code] || esc(i.code)}</span>: ${esc(i.message)}</li>`).join("")
    : "<li>No problems found.</li>";
}

async function load(event) {
  if (event) event.preventDefault();
  const deck = $("deck-select").value;
  if (!deck) {
    $("graph-status").textContent = "Add a deck first.";
    return;
  }
  try {
    const query = `deck=${encodeURIComponent(deck)}`;
    const graph = await api(`/quiz/graph?${query}`);
    draw(graph);
    drawLint(await api(`/quiz/lint?${query}`), new Map(graph.nodes.map((n) => [n.card_id, n.term])));
  } catch (error) {
    $("graph-status").textContent = error.message;
    announce(`Error: ${error.message}`);
  }
}

$("graph-options").addEventListener("submit", load);
load();
