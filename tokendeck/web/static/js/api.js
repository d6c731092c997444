// Shared helpers: calling the JSON API, announcing to screen readers, rendering math.

import { drawOcclusions } from "./occlusion.js";

/** Error from the API, carrying the one JSON error shape. */
export class ApiError extends Error {
  constructor(body, status) {
    const error = (body && body.error) || { message: `HTTP ${status}` };
    super(error.hint ? `${error.message} (${error.hint})` : error.message);
    this.status = status;
    this.code = error.code;
  }
}

/** This page's CSRF token (the page carries it): proves a change comes from our own pages. */
const CSRF_TOKEN = document.querySelector('meta[name="tokendeck-csrf"]')?.content || "";

/**
 * Call the API; JSON in and out. `body` may be FormData for uploads.
 * While the server answers 202 "preparing" (a deck's cards being embedded in the
 * background), the progress is shown and the request is made again.
 */
export async function api(path, { method = "GET", body } = {}) {
  const options = {
    method,
    headers: { Accept: "application/json", "X-TokenDeck-CSRF": CSRF_TOKEN },
    credentials: "same-origin",
  };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  for (;;) {
    const response = await fetch(`/api/v1${path}`, options);
    if (response.status === 204) return finishPreparing(null);
    const data = await response.json().catch(() => null);
    if (response.status === 202 && data && data.preparing) {
      showPreparing(data.preparing);
      const wait = Number(response.headers.get("Retry-After")) || 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5) * 1000));
      continue;
    }
    finishPreparing();
    if (!response.ok) throw new ApiError(data, response.status);
    return data;
  }
}

/** The "preparing…" line: what the server works on in the background, and how far it got. */
function showPreparing(state) {
  let line = document.getElementById("preparing");
  if (!line) {
    line = document.createElement("p");
    line.id = "preparing";
    line.className = "preparing";
    line.setAttribute("role", "status");
    const main = document.querySelector("main");
    const heading = main && main.querySelector("h1");
    if (heading) heading.after(line); else document.body.prepend(line);
  }
  const counted = state.total ? ` (${state.stage} ${state.done.toLocaleString()} of ${state.total.toLocaleString()})` : "";
  line.textContent = `Preparing… ${state.what}${counted}. This page goes on by itself when it is ready.`;
  line.hidden = false;
}

function finishPreparing(value) {
  const line = document.getElementById("preparing");
  if (line) line.hidden = true;
  return value;
}

/** Say something in the page's ARIA live region (and nowhere else). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after clearing makes screen readers repeat identical messages.
  setTimeout(() => { region.textContent = text; }, 30);
}

/**
 * One request-driven action at a time: `run(action)` ignores calls while one is
 * running (a second key press must not answer twice), and shows a failure in the
 * element with id `statusId` and in the live region. `run.busy()` says whether one runs.
 */
export function oneAtATime(statusId) {
  let busy = false;
  async function run(action) {
    if (busy) return;
    busy = true;
    try {
      await action();
    } catch (error) {
      document.getElementById(statusId).textContent = error.message;
      announce(`Error: ${error.message}`);
    } finally {
      busy = false;
    }
  }
  run.busy = () => busy;
  return run;
}

/**
 * Typeset math inside an element with KaTeX (loaded deferred; retry until ready).
 * `macros` are the card's own (a deck's \newcommand definitions), e.g. {"\\R": "\\mathbb{R}"} in JSON.
 */
export function typeset(element, tries = 20, macros = null) {
  if (window.renderMathInElement) {
    window.renderMathInElement(element, {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
      ],
      // A copy each time: KaTeX writes \gdef definitions into the object it is given.
      macros: macros ? { ...macros } : {},
      throwOnError: false,
    });
  } else if (tries > 0) {
    setTimeout(() => typeset(element, tries - 1, macros), 50);
  }
}

/**
 * Show one side of a card (CardOut from the API) in an element: its HTML (sanitised by
 * the server), its note type's stylesheet (scoped to elements of class td-card) and its
 * maths typeset with the card's macros.
 */
export function showCard(element, html, card) {
  element.classList.add("td-card");
  element.innerHTML = html;
  cardStyle(card && card.css ? card.css : "");
  typeset(element, 20, card ? card.macros : null);
  drawOcclusions(element);
}

/** The page's one card stylesheet (textContent: the CSS is never parsed as HTML). */
function cardStyle(css) {
  let style = document.getElementById("card-style");
  if (!style) {
    style = document.createElement("style");
    style.id = "card-style";
    document.head.append(style);
  }
  if (style.textContent !== css) style.textContent = css;
}

/** Set sanitised HTML from the server (already cleaned by nh3) and typeset its math. */
export function showHtml(element, html) {
  element.innerHTML = html;
  typeset(element);
}

/** Show an error message in a status element and announce it. */
export function showError(element, error) {
  element.textContent = error.message;
  element.hidden = false;
  announce(`Error: ${error.message}`);
}

/** Escape text for insertion into HTML. */
export function esc(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}
