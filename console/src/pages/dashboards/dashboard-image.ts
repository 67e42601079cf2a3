import type { EChartsType } from '../../components/charts/echarts';

// 保存为图片 (seed §1.3): the dashboard's grid drawn onto one canvas — each card's frame and title
// where it sits on screen, its ECharts canvas (`getDataURL`) where the chart is, and for cards
// without a chart (数字, 表格, 无权限) their text, line by line.

const SCALE = 2;
const HEADER = 48;
const PADDING = 16;

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('image failed to load'));
    image.src = url;
  });
}

const font = (size: number, weight = 400) =>
  `${weight} ${size}px -apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif`;

/** Cuts `text` to `width` with an ellipsis. */
function fit(context: CanvasRenderingContext2D, text: string, width: number): string {
  if (context.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 0 && context.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * The grid element's cards (`[data-card-id]`, each with `[data-card-title]` and, for a chart, the
 * chart's container `[data-card-chart]`) as a PNG. `charts` holds the ECharts instance of each card
 * drawn with one.
 */
export async function dashboardImage(
  grid: HTMLElement,
  title: string,
  subtitle: string,
  charts: ReadonlyMap<string, EChartsType>,
): Promise<Blob> {
  const origin = grid.getBoundingClientRect();
  const width = Math.ceil(grid.scrollWidth + PADDING * 2);
  const height = Math.ceil(grid.scrollHeight + HEADER + PADDING * 2);
  const canvas = document.createElement('canvas');
  canvas.width = width * SCALE;
  canvas.height = height * SCALE;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('canvas 2d context unavailable');
  context.scale(SCALE, SCALE);
  context.fillStyle = '#f5f5f5';
  context.fillRect(0, 0, width, height);
  context.fillStyle = 'rgba(0, 0, 0, 0.88)';
  context.font = font(18, 600);
  context.textBaseline = 'middle';
  context.fillText(fit(context, title, width - PADDING * 2), PADDING, PADDING + 12);
  context.fillStyle = 'rgba(0, 0, 0, 0.45)';
  context.font = font(12);
  context.fillText(fit(context, subtitle, width - PADDING * 2), PADDING, PADDING + 34);

  const at = (element: Element) => {
    const rect = element.getBoundingClientRect();
    return { x: rect.left - origin.left + PADDING, y: rect.top - origin.top + HEADER + PADDING, w: rect.width, h: rect.height };
  };
  for (const card of grid.querySelectorAll<HTMLElement>('[data-card-id]')) {
    const box = at(card);
    context.fillStyle = '#ffffff';
    context.strokeStyle = '#f0f0f0';
    context.beginPath();
    context.roundRect(box.x, box.y, box.w, box.h, 8);
    context.fill();
    context.stroke();
    const heading = card.querySelector('[data-card-title]')?.textContent ?? '';
    context.fillStyle = 'rgba(0, 0, 0, 0.88)';
    context.font = font(14, 600);
    context.fillText(fit(context, heading, box.w - 24), box.x + 12, box.y + 20);

    const id = card.dataset.cardId ?? '';
    const instance = charts.get(id);
    const chartElement = card.querySelector('[data-card-chart]');
    if (instance && !instance.isDisposed() && chartElement) {
      const place = at(chartElement);
      const image = await loadImage(instance.getDataURL({ type: 'png', pixelRatio: SCALE, backgroundColor: '#ffffff' }));
      context.drawImage(image, place.x, place.y, place.w, place.h);
      continue;
    }
    // Text cards: their visible text, line by line, clipped to the card.
    const body = card.querySelector<HTMLElement>('[data-card-body]');
    const lines = (body?.innerText ?? '')
      .split('\n')
      .map((line) => line.replace(/\t/g, '    ').trim())
      .filter(Boolean);
    context.save();
    context.beginPath();
    context.rect(box.x, box.y + 36, box.w, box.h - 36);
    context.clip();
    context.fillStyle = 'rgba(0, 0, 0, 0.88)';
    context.font = font(13);
    lines.forEach((line, index) => context.fillText(fit(context, line, box.w - 24), box.x + 12, box.y + 52 + index * 20));
    context.restore();
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('canvas export failed'))), 'image/png'),
  );
}
