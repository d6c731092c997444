// Image occlusion: a card's masks drawn over its picture (tokendeck/rendering/occlusion.py
// writes them as empty divs with the shape in data attributes, as Anki's renderer does).
//
// Question side: the card's own masks ("cloze") and, with occludeInactive=1 ("hide all,
// guess one"), the other masks ("cloze-inactive"); answer side: the card's own masks are
// outlined ("cloze-highlight"). The note type's CSS may set the colours as Anki's does
// (--active-shape-color and friends on #image-occlusion-canvas).

const MASKS = ".cloze[data-shape], .cloze-inactive[data-shape], .cloze-highlight[data-shape]";

// Anki's default colours, used when the note type's CSS sets none.
const DEFAULTS = {
  active: "#ff8e8e", inactive: "#ffeba2", highlight: "#ff8e8e00",
  activeBorder: "1px #212121", inactiveBorder: "1px #212121", highlightBorder: "1px #ff8e8e",
};

/** Draw the masks of the card shown in `root`, if it is an image-occlusion card. */
export function drawOcclusions(root) {
  const container = root.querySelector("#card-image-occlusion-container");
  const image = container && container.querySelector("img");
  if (!image) return;
  const masks = [...root.querySelectorAll(MASKS)];
  let canvas = container.querySelector("canvas");
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.id = "card-image-occlusion-canvas";
    canvas.setAttribute("aria-hidden", "true");
    container.append(canvas);
  }
  container.classList.add("io-container");
  const toggle = root.querySelector("#card-toggle");
  if (toggle) {
    toggle.hidden = !masks.some((m) => m.dataset.occludeinactive === "1");
    toggle.onclick = () => { canvas.hidden = !canvas.hidden; };
  }
  // One observer for the page: it draws when the picture gets its size (loaded, or
  // already there) and again on every resize; a card shown in the same place replaces
  // the previous card's picture.
  const previous = shownIn.get(root);
  if (previous) resized.unobserve(previous);
  shownIn.set(root, image);
  painters.set(image, () => paint(canvas, image, masks));
  resized.observe(image);
}

const painters = new WeakMap();
const shownIn = new WeakMap();
const resized = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const draw = painters.get(entry.target);
    if (draw) draw();
  }
});

function paint(canvas, image, masks) {
  const ratio = window.devicePixelRatio || 1;
  const width = image.clientWidth;
  const height = image.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const colours = coloursOf(canvas);
  for (const mask of masks) {
    const style = styleOf(mask, colours);
    if (style) drawMask(context, mask.dataset, width, height, style);
  }
}

function styleOf(mask, colours) {
  if (mask.classList.contains("cloze")) return { fill: colours.active, border: colours.activeBorder };
  if (mask.classList.contains("cloze-highlight")) {
    return { fill: colours.highlight, border: colours.highlightBorder };
  }
  if (mask.dataset.occludeinactive === "1") {
    return { fill: colours.inactive, border: colours.inactiveBorder };
  }
  return null; // "hide one, guess one": the other masks are not drawn
}

function coloursOf(canvas) {
  const computed = getComputedStyle(canvas);
  const read = (name, fallback) => computed.getPropertyValue(name).trim() || fallback;
  const border = (name, fallback) => {
    const [width, colour] = read(name, fallback).split(/\s+/);
    const pixels = parseFloat(width);
    return { width: Number.isNaN(pixels) ? 1 : pixels, colour: colour || "#212121" };
  };
  return {
    active: read("--active-shape-color", DEFAULTS.active),
    inactive: read("--inactive-shape-color", DEFAULTS.inactive),
    highlight: read("--highlight-shape-color", DEFAULTS.highlight),
    activeBorder: border("--active-shape-border", DEFAULTS.activeBorder),
    inactiveBorder: border("--inactive-shape-border", DEFAULTS.inactiveBorder),
    highlightBorder: border("--highlight-shape-border", DEFAULTS.highlightBorder),
  };
}

const number = (value, fallback = 0) => {
  const parsed = parseFloat(value);
  return Number.isFinite(parsed) ? parsed : fallback;
};

function drawMask(context, data, width, height, style) {
  context.fillStyle = style.fill;
  context.strokeStyle = style.border.colour;
  context.lineWidth = style.border.width;
  const left = number(data.left) * width;
  const top = number(data.top) * height;
  context.beginPath();
  if (data.shape === "rect") {
    context.rect(left, top, number(data.width) * width, number(data.height) * height);
  } else if (data.shape === "ellipse") {
    // Anki writes rx/ry (radii); a box (width/height) is read as its inscribed ellipse.
    const rx = number(data.rx, number(data.width) / 2) * width;
    const ry = number(data.ry, number(data.height) / 2) * height;
    context.ellipse(left + rx, top + ry, rx, ry, 0, 0, Math.PI * 2);
  } else if (data.shape === "polygon") {
    if (!polygonPath(context, data, width, height)) return;
  } else if (data.shape === "text") {
    drawText(context, data, left, top, height);
    return;
  } else {
    return; // a shape this version does not know
  }
  context.closePath();
  context.fill();
  if (style.border.width) context.stroke();
}

function polygonPath(context, data, width, height) {
  const points = (data.points || "").trim().split(/\s+/).map((pair) => {
    const [x, y] = pair.split(",");
    return [number(x) * width, number(y) * height];
  });
  if (points.length < 3) return false;
  // With left/top, the polygon is moved so that its top-left corner is there (as Anki does).
  const dx = data.left === undefined ? 0 : number(data.left) * width - Math.min(...points.map((p) => p[0]));
  const dy = data.top === undefined ? 0 : number(data.top) * height - Math.min(...points.map((p) => p[1]));
  points.forEach(([x, y], index) => {
    if (index === 0) context.moveTo(x + dx, y + dy);
    else context.lineTo(x + dx, y + dy);
  });
  return true;
}

function drawText(context, data, left, top, height) {
  const scale = number(data.scale, 1);
  const size = number(data.fontSize, 0) * height || 20;
  const lines = (data.text || "").split("\n");
  context.save();
  context.scale(scale, scale);
  context.font = `${size}px Arial, sans-serif`;
  context.textBaseline = "top";
  const lineHeight = size * 1.2;
  const widest = Math.max(...lines.map((line) => context.measureText(line).width));
  context.fillStyle = "rgba(255, 255, 255, 0.85)";
  context.fillRect(left / scale, top / scale, widest + 4, lines.length * lineHeight + 4);
  context.fillStyle = "#000";
  lines.forEach((line, index) => context.fillText(line, left / scale + 2, top / scale + 2 + index * lineHeight));
  context.restore();
}
