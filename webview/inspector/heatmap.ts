// Attention drawn on canvas (thumbnails and the full query x key map), in theme colours, cheap for 512+ tokens.
import type { AttentionMatrix } from '../../src/protocol/engine-methods';

export type Rgb = [number, number, number];

/** Hovering token i marks the tokens i gives at least this much attention to, and those giving i as much. */
export const ATTENTION_LINK_MIN = 0.05;

const resolved = new Map<string, Rgb>();

/** A theme colour variable as RGB (the canvas parses whatever CSS colour syntax the theme uses). */
export function themeColour(element: Element, variable: string, fallback: string): Rgb {
  const value = getComputedStyle(element).getPropertyValue(variable).trim() || fallback;
  const known = resolved.get(value);
  if (known) return known;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return [128, 128, 128];
  ctx.fillStyle = fallback;
  ctx.fillStyle = value;
  ctx.fillRect(0, 0, 1, 1);
  const [r = 128, g = 128, b = 128] = ctx.getImageData(0, 0, 1, 1).data;
  const rgb: Rgb = [r, g, b];
  resolved.set(value, rgb);
  return rgb;
}

/** Pixels of a size x size block starting at `offset`: the colour with alpha sqrt(v / scale) (0 stays transparent). */
function pixels(data: Float32Array, offset: number, size: number, scale: number, rgb: Rgb): ImageData {
  const image = new ImageData(size, size);
  const out = image.data;
  const [r, g, b] = rgb;
  for (let k = 0; k < size * size; k++) {
    const v = data[offset + k] as number;
    if (!(v > 0)) continue;
    const p = k * 4;
    out[p] = r;
    out[p + 1] = g;
    out[p + 2] = b;
    out[p + 3] = Math.round(255 * Math.sqrt(Math.min(1, v / scale)));
  }
  return image;
}

/** One thumbnail: a size x size block of [layers, heads, size, size] data, scaled to its own strongest cell. */
export function drawThumbnail(
  canvas: HTMLCanvasElement,
  data: Float32Array,
  offset: number,
  size: number,
  rgb: Rgb,
): void {
  let max = 0;
  for (let k = 0; k < size * size; k++) max = Math.max(max, data[offset + k] as number);
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(pixels(data, offset, size, max || 1, rgb), 0, 0);
}

/** Where the full map's cells are on its canvas, in CSS pixels. */
export interface MapGeometry {
  n: number;
  /** Left/top of cell (0, 0). */
  origin: number;
  cell: number;
}

export interface MapStyle {
  cell: Rgb;
  /** CSS colours for labels and the frame. */
  text: string;
  frame: string;
  font: string;
}

/** Cells at least this big (CSS px) get token labels. */
const LABEL_MIN_CELL = 11;
const LABEL_MAX_WIDTH = 72;

/**
 * The full map of one head (or the mean): row i is what token i (the query) attends to, column j how much each
 * token attends to token j (the key). Weights are drawn on a square-root scale of their absolute value (0..1).
 */
export function drawAttentionMap(
  canvas: HTMLCanvasElement,
  matrix: AttentionMatrix,
  labels: string[],
  cssSize: number,
  style: MapStyle,
): MapGeometry {
  const n = matrix.size;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssSize * dpr);
  canvas.height = Math.round(cssSize * dpr);
  canvas.style.width = `${cssSize}px`;
  canvas.style.height = `${cssSize}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx || n === 0) return { n, origin: 0, cell: 0 };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssSize, cssSize);
  ctx.font = style.font;

  let margin = 0;
  if (cssSize / n >= LABEL_MIN_CELL) {
    const widest = labels.reduce((w, l) => Math.max(w, ctx.measureText(l).width), 0);
    margin = Math.min(LABEL_MAX_WIDTH, Math.ceil(widest) + 6);
  }
  // labels only when the cells left beside them are still tall enough to read one; otherwise the map takes it all
  const labelled = margin > 0 && (cssSize - margin) / n >= LABEL_MIN_CELL;
  const origin = labelled ? margin : 0;
  const cell = (cssSize - origin) / n;
  const plot = cell * n;

  const source = document.createElement('canvas');
  source.width = n;
  source.height = n;
  source.getContext('2d')?.putImageData(pixels(matrix.data, 0, n, 1, style.cell), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, origin, origin, plot, plot);
  canvas.dataset.origin = String(origin);
  canvas.dataset.cell = String(cell);
  ctx.strokeStyle = style.frame;
  ctx.lineWidth = 1;
  ctx.strokeRect(origin + 0.5, origin + 0.5, plot - 1, plot - 1);

  if (labelled) {
    ctx.fillStyle = style.text;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let i = 0; i < n; i++) {
      ctx.fillText(labels[i] ?? '', origin - 4, origin + (i + 0.5) * cell, margin - 6);
    }
    ctx.save();
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    for (let j = 0; j < n; j++) {
      ctx.fillText(labels[j] ?? '', -(origin - 4), origin + (j + 0.5) * cell, margin - 6);
    }
    ctx.restore();
  }
  return { n, origin, cell };
}

/** The cell under a point of the canvas (CSS px from its top left), or null. */
export function cellAt(geometry: MapGeometry, x: number, y: number): { row: number; col: number } | null {
  const { n, origin, cell } = geometry;
  if (cell <= 0) return null;
  const row = Math.floor((y - origin) / cell);
  const col = Math.floor((x - origin) / cell);
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}
