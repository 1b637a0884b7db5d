// nnviz's live canvas: paints a scene of nnviz.figures.canvas (a plotly figure as drawing instructions),
// shows the hover label of the marker under the pointer and sends a click on one in plotly's selection format.
// Streamlit calls the default export again with every new scene; the canvas and its listeners stay. A scene with a
// `feed` ({url, part, every_ms}: ui/feed.py) is followed: the canvas fetches the part's newer scenes itself while
// its element is on the page, and sends "feed_failed" if the server does not answer as a feed.

const MOUNTED = new WeakMap(); // parentElement -> the canvas's state
const HIT_PX = 10; // a pointer this close to a marker (or inside it) is on it

export default function (component) {
  const { data, parentElement } = component;
  let view = MOUNTED.get(parentElement);
  if (!view) {
    view = mount(parentElement);
    MOUNTED.set(parentElement, view);
  }
  view.send = component.setTriggerValue;
  const scene = JSON.parse(new TextDecoder().decode(data)); // the scene, sent as JSON bytes
  view.show(scene);
  view.follow(scene.feed || null);
  // Streamlit also calls this cleanup when a newer scene arrived while this call was being set up: the canvas
  // goes only when its element has left the page.
  return () =>
    setTimeout(() => {
      if (!parentElement.isConnected && MOUNTED.get(parentElement) === view) {
        view.dispose();
        MOUNTED.delete(parentElement);
      }
    }, 0);
}

function mount(parent) {
  const root = document.createElement("div");
  root.className = "nnviz-canvas";
  const canvas = document.createElement("canvas");
  const label = document.createElement("div");
  label.className = "nnviz-canvas-label";
  root.append(canvas, label);
  parent.append(root);
  const view = { scene: null, images: [], sequence: 0, paints: 0, hovered: null, send: null, feed: null };

  view.show = (scene) => {
    const sequence = ++view.sequence;
    const images = scene.items.filter((item) => item.kind === "image").map(decode);
    Promise.all(images).then((decoded) => {
      if (sequence !== view.sequence) return; // a newer scene arrived while these decoded
      view.scene = scene;
      view.images = decoded;
      paint(view, canvas, root);
    });
  };
  const resize = new ResizeObserver(() => view.scene && paint(view, canvas, root));
  resize.observe(root);
  canvas.addEventListener("mousemove", (event) => hover(view, canvas, label, event));
  canvas.addEventListener("mouseleave", () => {
    view.hovered = null;
    label.style.display = "none";
  });
  canvas.addEventListener("click", (event) => click(view, canvas, event));
  view.follow = (feed) => {
    // a rerun's scene is the newest: the same feed goes on from it, another one replaces it
    const url = feed && new URL(`${feed.url}?part=${encodeURIComponent(feed.part)}`, document.baseURI).href;
    if (view.feed && view.feed.alive && view.feed.url === url) { view.feed.since = ""; return; }
    if (view.feed) view.feed.alive = false;
    view.feed = url ? { url, every: feed.every_ms, since: "", failures: 0, alive: true } : null;
    if (view.feed) poll(view, root, view.feed);
  };
  view.dispose = () => {
    if (view.feed) view.feed.alive = false;
    resize.disconnect();
    root.remove();
  };
  return view;
}

// --- the feed: newer scenes fetched from the server while a run trains (ui/feed.py) -------------------------------

const FEED_FAILURES = 3; // answers in a row that are not a feed's before the page is asked to redraw by rerunning

async function poll(view, root, feed) {
  while (feed.alive && root.isConnected) {
    const asked = performance.now();
    let every = feed.every; // from one fetch's start to the next one's (one at a time)
    if (!document.hidden) { // a hidden tab fetches nothing (its run pauses when nobody watches it: ui.training)
      try {
        const response = await fetch(`${feed.url}&since=${feed.since}`, { cache: "no-store" });
        const mark = response.headers.get("X-Nnviz-Feed");
        if (mark === null || response.status >= 500) throw new Error(`not a feed: ${response.status}`);
        if (response.status === 410) break; // the run stopped: the page reruns and draws what it shows now
        feed.failures = 0;
        every = Number(response.headers.get("X-Nnviz-Every")) || every;
        if (response.status === 200) {
          const scene = await response.json();
          if (!feed.alive) break;
          feed.since = mark;
          view.show(scene);
        }
      } catch (error) {
        if (++feed.failures >= FEED_FAILURES) {
          if (view.send) view.send("feed_failed", String(error));
          break;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, asked + every - performance.now())));
  }
  feed.alive = false;
}

function decode(item) {
  const image = new Image();
  image.src = "data:image/png;base64," + item.png;
  return image.decode().then(() => image);
}

// --- geometry: data coordinates to CSS pixels, as plotly lays out a figure --------------------------------------

const COLORBAR_PX = 72; // room on the right for a colour bar and its labels

function colorbarOf(scene) {
  const item = scene.items.find((item) => item.kind === "image" && item.colorbar);
  return item ? item.colorbar : null;
}

function frame(scene, width, bottom, l = scene.margin[0]) {
  const [, r0, t] = scene.margin;
  const r = r0 + (colorbarOf(scene) ? COLORBAR_PX : 0);
  let left = l, top = t, w = Math.max(10, width - l - r), h = Math.max(10, scene.height - t - bottom);
  const [x0, x1] = scene.xaxis.range, [y0, y1] = scene.yaxis.range;
  if (scene.equal) { // constrain="domain": the longer side shrinks, centred (a range may be reversed)
    const dx = Math.abs(x1 - x0), dy = Math.abs(y1 - y0), unit = Math.min(w / dx, h / dy);
    left += (w - unit * dx) / 2;
    top += (h - unit * dy) / 2;
    w = unit * dx;
    h = unit * dy;
  }
  return {
    left, top, w, h,
    x: (v) => left + ((v - x0) / (x1 - x0)) * w,
    y: (v) => top + ((y1 - v) / (y1 - y0)) * h,
  };
}

function ticks(axis, length, minPx) {
  // the axis's own ticks, or plotly's automatic ones: about length / minPx of them (4 to 9, plus one), at a
  // step of 2, 5 or 10 times a power of ten
  if (axis.ticks) return axis.ticks;
  const low = Math.min(...axis.range), high = Math.max(...axis.range);
  const rough = (high - low) / (Math.min(9, Math.max(4, length / minPx)) + 1);
  const base = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = base * [2, 5, 10].find((m) => m >= rough / base - 1e-9);
  const out = [];
  for (let k = Math.ceil(low / step - 1e-9); k * step <= high + 1e-9 * step; k++) {
    const value = Math.round(k * step * 1e9) / 1e9;
    out.push([value, String(value).replace("-", "\u2212") + (axis.suffix || "")]);
  }
  return out;
}

function titleGap(scene) {
  // from the x tick labels to the x title, as plotly places it (measured): under an axis shortened to keep equal
  // scales (constrain="domain") the title stays at the foot of the whole plot area, further down
  return (scene.equal ? 1.6 : 0.65) * scene.font.size;
}

function layout(g, scene, width) {
  // the frame, the x ticks and how their labels sit: one line each, or turned by the axis's angle (30° unless it
  // sets one) when they would overlap, with the bottom margin grown to fit them (plotly's automargin)
  const size = scene.font.size;
  let f = frame(scene, width, scene.margin[3]);
  const xticks = scene.xaxis.visible ? ticks(scene.xaxis, f.w, 80) : [];
  g.font = `${size}px ${scene.font.family}`;
  const lines = xticks.map(([, text]) => text.split("<br>"));
  const widest = Math.max(0, ...lines.flat().map((line) => g.measureText(line).width));
  const rows = Math.max(1, ...lines.map((l) => l.length));
  const gap = xticks.length > 1 ? Math.abs(f.x(xticks[1][0]) - f.x(xticks[0][0])) : Infinity;
  // plotly's tickangle: -30 or -90 turns the labels, 0 keeps them level; unset, they turn by 30° only when they
  // would overlap
  const angle = scene.xaxis.angle;
  const rotated = angle < 0 || (angle !== 0 && widest + 6 > gap);
  const turn = (Math.PI / 180) * (angle < 0 ? -angle : 30);
  const depth = widest * Math.sin(turn) + 0.5 * size * Math.cos(turn); // how far the turned labels reach down
  const labels = 9 + (rotated ? depth + size : rows * 1.2 * size);
  // the x title's line under the labels (see axes), in its 1.2 times larger type
  const needed = labels + (scene.xaxis.visible && scene.xaxis.title ? titleGap(scene) + 1.2 * size : 0);
  const bottom = needed > scene.margin[3] ? needed + 4 : scene.margin[3];
  f = frame(scene, width, bottom);
  // the y title's room left of the tick labels (see axes), the left margin grown to fit it as plotly's does
  const yticks = scene.yaxis.visible ? ticks(scene.yaxis, f.h, 40) : [];
  const yTitleAt = Math.max(3 * size, 14 + Math.max(0, ...yticks.map(([, text]) => g.measureText(text).width)) + 0.6 * size);
  const left = yTitleAt + 0.7 * size + 2;
  if (scene.yaxis.visible && scene.yaxis.title && left > scene.margin[0]) f = frame(scene, width, bottom, left);
  f.yTitleAt = yTitleAt;
  f.yticks = scene.yaxis.visible ? ticks(scene.yaxis, f.h, 40) : []; // the height may change with equal scales
  f.xticks = scene.xaxis.visible ? ticks(scene.xaxis, f.w, 80) : [];
  f.rotated = rotated && turn;
  f.labelDepth = 9 + (rotated ? depth : rows * 1.2 * size);
  return f;
}

// --- painting ---------------------------------------------------------------------------------------------------

function paint(view, canvas, root) {
  const scene = view.scene;
  const width = root.clientWidth || 600;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(scene.height * ratio);
  canvas.style.width = width + "px";
  canvas.style.height = scene.height + "px";
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = "white";
  g.fillRect(0, 0, width, scene.height);
  const f = layout(g, scene, width);
  view.frame = f;
  const font = (size) => `${size}px ${scene.font.family}`;
  grid(g, scene, f);
  g.save();
  g.beginPath();
  g.rect(f.left, f.top, f.w, f.h);
  g.clip();
  let image = 0;
  const texts = [];
  for (const item of scene.items) {
    if (item.kind === "image") drawImage(g, item, view.images[image++], f);
    else if (item.kind === "lines") drawLines(g, item, f);
    else if (item.kind === "markers") drawMarkers(g, item, f);
    else if (item.kind === "text") texts.push(item); // not clipped (cliponaxis: false)
  }
  for (const shape of scene.shapes) drawShape(g, shape, f);
  g.restore();
  for (const item of texts) drawTexts(g, item, f, font(item.size || scene.font.size), scene.font.color);
  for (const note of scene.annotations || []) {
    const size = note.size || scene.font.size;
    drawAnnotation(g, note, f, font(size), size);
  }
  axes(g, scene, f, font(scene.font.size));
  if (scene.legend && scene.legend.length) drawLegend(g, scene.legend, f, scene.font);
  const bar = colorbarOf(scene);
  if (bar) drawColorbar(g, bar, f, width - scene.margin[1] - COLORBAR_PX + 16, font(scene.font.size), scene.font.color);
  if (scene.title.text) {
    g.fillStyle = scene.font.color;
    g.font = font(scene.title.size);
    g.textAlign = "left";
    g.textBaseline = "top";
    g.fillText(scene.title.text, scene.title.pad[1], scene.title.pad[0]);
  }
  view.paints += 1;
  root.dataset.paints = String(view.paints);
}

function grid(g, scene, f) {
  g.lineWidth = 1;
  for (const [axis, along, values] of [[scene.xaxis, "x", f.xticks], [scene.yaxis, "y", f.yticks]]) {
    for (const [value] of values) {
      const zero = value === 0 && axis.zeroline;
      if (!axis.grid && !zero) continue;
      g.strokeStyle = zero ? "rgba(0,0,0,0.25)" : "rgba(0,0,0,0.08)";
      g.beginPath();
      if (along === "x") { g.moveTo(f.x(value), f.top); g.lineTo(f.x(value), f.top + f.h); }
      else { g.moveTo(f.left, f.y(value)); g.lineTo(f.left + f.w, f.y(value)); }
      g.stroke();
    }
  }
}

function axes(g, scene, f, font) {
  // ticks outside (5 px), labels, and titles in plotly's larger axis-title type
  const size = scene.font.size, titleFont = font.replace(`${size}px`, `${Math.round(1.2 * size)}px`);
  const bottom = f.top + f.h;
  g.font = font;
  g.fillStyle = g.strokeStyle = scene.font.color;
  g.lineWidth = 1;
  if (scene.xaxis.visible) {
    for (const [value, text] of f.xticks) {
      const x = f.x(value);
      g.beginPath();
      g.moveTo(x, bottom);
      g.lineTo(x, bottom + 5);
      g.stroke();
      if (f.rotated) {
        g.save();
        g.translate(x, bottom + 9);
        g.rotate(-f.rotated);
        g.textAlign = "right";
        g.textBaseline = "middle";
        g.fillText(text.replaceAll("<br>", " "), 0, 0);
        g.restore();
      } else {
        g.textAlign = "center";
        g.textBaseline = "top";
        text.split("<br>").forEach((line, k) => g.fillText(line, x, bottom + 9 + 1.2 * size * k));
      }
    }
    if (scene.xaxis.title) {
      g.font = titleFont;
      g.textAlign = "center";
      g.textBaseline = "top";
      g.fillText(scene.xaxis.title, f.left + f.w / 2, bottom + f.labelDepth + titleGap(scene));
      g.font = font;
    }
  }
  if (scene.yaxis.visible) {
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const [value, text] of f.yticks) {
      const y = f.y(value);
      g.beginPath();
      g.moveTo(f.left - 5, y);
      g.lineTo(f.left, y);
      g.stroke();
      g.fillText(text, f.left - 8, y);
    }
    if (scene.yaxis.title) {
      g.save();
      g.translate(f.left - f.yTitleAt, f.top + f.h / 2);
      g.rotate(-Math.PI / 2);
      g.font = titleFont;
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.fillText(scene.yaxis.title, 0, 0);
      g.restore();
    }
  }
}

function runs(edges) {
  // [first cell, cells] of each run of equally wide cells: unequal cells (a mosaic's gaps) are drawn run by run
  const n = edges.length - 1, out = [];
  const width = (k) => edges[k + 1] - edges[k];
  let start = 0;
  for (let k = 1; k <= n; k++) {
    if (k === n || Math.abs(width(k) - width(start)) > 1e-3 * Math.abs(width(start))) {
      out.push([start, k - start]);
      start = k;
    }
  }
  return out;
}

function drawImage(g, item, image, f) {
  g.save();
  g.globalAlpha = item.opacity;
  g.imageSmoothingEnabled = false;
  const rows = item.y.length - 1;
  for (const [i, ni] of runs(item.x)) {
    for (const [j, nj] of runs(item.y)) {
      const left = f.x(item.x[i]), right = f.x(item.x[i + ni]);
      const high = f.y(item.y[j + nj]), low = f.y(item.y[j]);
      // the PNG's top row is the largest y: row k of the image is cell rows - 1 - k; on a reversed y axis the
      // largest y is at the bottom, and the rows are drawn mirrored
      if (high <= low) g.drawImage(image, i, rows - j - nj, ni, nj, left, high, right - left, low - high);
      else {
        g.save();
        g.translate(0, high + low);
        g.scale(1, -1);
        g.drawImage(image, i, rows - j - nj, ni, nj, left, low, right - left, high - low);
        g.restore();
      }
    }
  }
  g.restore();
  drawGaps(g, item, f);
}

function drawGaps(g, item, f) {
  // plotly's xgap / ygap: the background between neighbouring cells, that many pixels wide
  const [xgap, ygap] = item.gaps || [0, 0];
  g.strokeStyle = "white";
  for (const [edges, gap, vertical] of [[item.x, xgap, true], [item.y, ygap, false]]) {
    if (!gap) continue;
    g.lineWidth = gap;
    g.beginPath();
    for (const edge of edges.slice(1, -1)) {
      if (vertical) { g.moveTo(f.x(edge), f.top); g.lineTo(f.x(edge), f.top + f.h); }
      else { g.moveTo(f.left, f.y(edge)); g.lineTo(f.left + f.w, f.y(edge)); }
    }
    g.stroke();
  }
}

function dashes(dash, width) {
  // plotly's dash patterns (Drawing.dashStyle), in multiples of the line width, at least 3 px
  const d = Math.max(width, 3);
  return { dot: [d, d], dash: [3 * d, 3 * d], longdash: [5 * d, 5 * d], dashdot: [3 * d, d, d, d],
    longdashdot: [5 * d, 2 * d, d, 2 * d] }[dash] || [];
}

function drawLines(g, item, f) {
  g.strokeStyle = item.color;
  g.lineWidth = item.width;
  g.lineCap = "butt";
  g.setLineDash(dashes(item.dash, item.width));
  g.beginPath();
  for (const path of item.paths) {
    g.moveTo(f.x(path[0]), f.y(path[1]));
    for (let k = 2; k < path.length; k += 2) g.lineTo(f.x(path[k]), f.y(path[k + 1]));
  }
  g.stroke();
  g.setLineDash([]);
}

function symbolPath(g, symbol, x, y, half) {
  // plotly's circle, square and diamond (whose half-diagonal is 1.3 times the radius)
  if (symbol === "square") g.rect(x - half, y - half, 2 * half, 2 * half);
  else if (symbol === "diamond") {
    const d = 1.3 * half;
    g.moveTo(x + d, y); g.lineTo(x, y + d); g.lineTo(x - d, y); g.lineTo(x, y - d); g.closePath();
  } else g.arc(x, y, half, 0, 2 * Math.PI);
}

function drawMarkers(g, item, f) {
  const [rim, rimWidth] = item.line;
  const many = Array.isArray(item.color), sized = Array.isArray(item.size);
  if (!many && isTransparent(item.color) && (rimWidth === 0 || isTransparent(rim))) return; // hover/click only
  g.save();
  g.globalAlpha = item.opacity;
  g.lineWidth = rimWidth;
  g.strokeStyle = rim;
  for (let k = 0; k < item.x.length; k++) {
    const x = f.x(item.x[k]), y = f.y(item.y[k]);
    const half = (sized ? item.size[k] : item.size) / 2;
    g.fillStyle = many ? item.color[k] : item.color;
    g.beginPath();
    symbolPath(g, item.symbol, x, y, half);
    g.fill();
    if (rimWidth > 0) g.stroke();
  }
  g.restore();
}

function isTransparent(color) {
  return typeof color === "string" && /rgba\(\s*0\s*,\s*0\s*,\s*0\s*,\s*0\s*\)/.test(color);
}

function drawTexts(g, item, f, font, color) {
  g.font = font;
  if (item.cell) { // a heatmap's cells: the text shrunk to fit the smallest cell, as plotly sizes it
    const base = Number(/(\d+(?:\.\d+)?)px/.exec(font)[1]);
    const width = Math.abs(f.x(item.cell[0]) - f.x(0)), height = Math.abs(f.y(item.cell[1]) - f.y(0));
    const widest = Math.max(1, ...item.text.map((text) => g.measureText(text).width));
    const size = Math.max(6, Math.min(base, (base * 0.85 * width) / widest, 0.7 * height));
    g.font = font.replace(`${base}px`, `${size.toFixed(1)}px`);
  }
  g.fillStyle = color;
  const [vertical, horizontal] = item.position.split(" ");
  // plotly's "middle left" puts the text to the left of its point
  g.textAlign = { left: "right", right: "left", center: "center" }[horizontal] || "center";
  g.textBaseline = { top: "bottom", bottom: "top", middle: "middle" }[vertical] || "middle";
  for (let k = 0; k < item.x.length; k++) {
    if (item.colors) g.fillStyle = item.colors[k]; // a heatmap's cells: each in its contrasting colour
    g.fillText(item.text[k], f.x(item.x[k]), f.y(item.y[k]));
  }
}

function drawAnnotation(g, note, f, font, size) {
  // a text at its data point, or (a hint on the paper) at its fractions of the plot area: centred across, its
  // lines (<br>) hanging from its top, standing on its bottom or centred there, as its yanchor says
  g.font = font;
  g.fillStyle = note.color;
  g.textAlign = "center";
  g.textBaseline = "middle";
  const x = note.data ? f.x(note.x) : f.left + note.x * f.w, y = note.data ? f.y(note.y) : f.top + (1 - note.y) * f.h;
  const lines = note.text.split("<br>"), step = 1.2 * size;
  const first = { top: y + step / 2, bottom: y - step * (lines.length - 0.5) }[note.anchor] ?? y - (step * (lines.length - 1)) / 2;
  lines.forEach((line, k) => g.fillText(line, x, first + k * step));
}

function drawLegend(g, entries, f, font) {
  // plotly's horizontal legend left-aligned just above the plot area (style.figure's): per entry a 30 px sample
  // of its line (and its marker in the middle), then its name; entries wrap onto a new row above
  const size = font.size, row = Math.round(1.5 * size), sample = 30;
  g.font = `${size}px ${font.family}`;
  const widths = entries.map((entry) => sample + 10 + g.measureText(entry.name).width + 16);
  const rows = [];
  let current = [], used = 0;
  entries.forEach((entry, k) => {
    if (current.length && used + widths[k] > f.w) { rows.push(current); current = []; used = 0; }
    current.push([entry, used]);
    used += widths[k];
  });
  rows.push(current);
  rows.forEach((entriesOfRow, r) => {
    const y = f.top - 0.01 * f.h - 4 - (rows.length - r - 0.5) * row;
    for (const [entry, offset] of entriesOfRow) {
      const x = f.left + offset;
      if (entry.line) {
        const [color, width, dash] = entry.line;
        g.strokeStyle = color;
        g.lineWidth = Math.min(width, 5);
        g.setLineDash(dashes(dash, width));
        g.beginPath();
        g.moveTo(x + 5, y);
        g.lineTo(x + sample + 5, y);
        g.stroke();
        g.setLineDash([]);
      }
      if (entry.marker) {
        g.fillStyle = entry.marker[0];
        g.beginPath();
        symbolPath(g, entry.marker[1], x + 5 + sample / 2, y, 4);
        g.fill();
      }
      g.fillStyle = font.color;
      g.textAlign = "left";
      g.textBaseline = "middle";
      g.fillText(entry.name, x + sample + 10, y);
    }
  });
}

function drawColorbar(g, bar, f, left, font, color) {
  // plotly's colour bar: 12 px wide, 80 % of the plot's height, centred on it, labelled at automatic ticks
  const height = 0.8 * f.h, top = f.top + 0.1 * f.h, [low, high] = bar.range;
  const gradient = g.createLinearGradient(0, top + height, 0, top);
  for (const [share, stop] of bar.stops) gradient.addColorStop(share, stop);
  g.fillStyle = gradient;
  g.fillRect(left, top, 12, height);
  g.font = font;
  g.fillStyle = g.strokeStyle = color;
  g.textAlign = "left";
  g.textBaseline = "middle";
  for (const [value, text] of ticks({ range: [low, high], ticks: null }, height, 40)) {
    g.fillText(text, left + 17, top + height - ((value - low) / (high - low)) * height);
  }
}

function drawShape(g, shape, f) {
  g.strokeStyle = shape.color;
  g.lineWidth = shape.width;
  g.beginPath();
  const [x0, x1] = shape.x.map(f.x), [y0, y1] = shape.y.map(f.y);
  if (shape.kind === "line") { g.moveTo(x0, y0); g.lineTo(x1, y1); }
  else g.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
  g.stroke();
}

// --- hover and click --------------------------------------------------------------------------------------------

function nearest(view, canvas, event) {
  // the interactive marker under the pointer, topmost trace first: [item, index] or null
  if (!view.scene || !view.frame) return null;
  const box = canvas.getBoundingClientRect();
  const px = event.clientX - box.left, py = event.clientY - box.top, f = view.frame;
  const items = view.scene.items.filter((item) => item.kind === "markers" && item.interactive);
  for (let t = items.length - 1; t >= 0; t--) {
    const item = items[t];
    let best = null, bestDistance = Infinity;
    for (let k = 0; k < item.x.length; k++) {
      const half = (Array.isArray(item.size) ? item.size[k] : item.size) / 2;
      const d = Math.hypot(f.x(item.x[k]) - px, f.y(item.y[k]) - py);
      if (d <= Math.max(half, HIT_PX) && d < bestDistance) { best = k; bestDistance = d; }
    }
    if (best !== null) return [item, best, px, py];
  }
  return null;
}

function hover(view, canvas, label, event) {
  const hit = nearest(view, canvas, event);
  const text = hit && hit[0].hover ? fill(hit[0].hover, hit[0], hit[1]) : null;
  canvas.style.cursor = hit ? "pointer" : "default";
  if (!text) { label.style.display = "none"; return; }
  label.innerHTML = text; // templates are the app's own figures' (trusted); values are numbers and names
  label.style.display = "block";
  // beside the pointer, inside the canvas (the element around it clips what sticks out)
  const [, , px, py] = hit, width = label.offsetWidth, height = label.offsetHeight;
  const right = px + 12 + width <= canvas.clientWidth;
  const left = right ? px + 12 : px - 12 - width;
  const top = py - 8 - height >= 0 ? py - 8 - height : py + 16;
  label.style.left = Math.max(0, Math.min(left, canvas.clientWidth - width)) + "px";
  label.style.top = Math.max(0, Math.min(top, canvas.clientHeight - height)) + "px";
}

function click(view, canvas, event) {
  const hit = nearest(view, canvas, event);
  if (!hit || !view.send) return;
  const [item, k] = hit;
  const point = { curve_number: item.trace, point_index: k, x: valueAt(item, "x", k), y: valueAt(item, "y", k) };
  if (item.customdata) point.customdata = item.customdata[k];
  view.send("selection", { points: [point] });
}

function valueAt(item, along, k) {
  // marker k's value along "x" or "y": on a log or category axis the value itself (item.values), not its position
  return ((item.values && item.values[along]) || item[along])[k];
}

function fill(template, item, k) {
  // plotly's hover template: %{x}, %{y}, %{text}, %{customdata}, %{customdata[i]}, with :.Nf or :.Ng formats;
  // as in plotly, the template and the values may hold <br>, <sup>, <sub>, <i> and <b>, and no other markup
  const fields = { x: valueAt(item, "x", k), y: valueAt(item, "y", k), text: item.text ? item.text[k] : "", customdata: item.customdata ? item.customdata[k] : "" };
  const filled = template
    .replace(/<extra>.*?<\/extra>/g, "")
    .replace(/%\{(\w+)(?:\[(\d+)\])?(?::([^}]*))?\}/g, (_, name, index, format) => {
      let value = fields[name];
      if (index !== undefined && Array.isArray(value)) value = value[Number(index)];
      return format ? formatted(value, format) : String(value);
    });
  return escape(filled).replace(/&lt;(\/?(?:br|sup|sub|i|b))&gt;/g, "<$1>");
}

function formatted(value, format) {
  const match = /^\.(\d+)([fg])$/.exec(format);
  if (!match || typeof value !== "number") return String(value);
  const digits = Number(match[1]);
  const text = match[2] === "f" ? value.toFixed(digits) : String(Number(value.toPrecision(digits)));
  return text.replace("-", "\u2212");
}

function escape(text) {
  return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
}
