// Charts drawn by Apache ECharts (vendored: /assets/echarts.min.<digest>.js), each with
// the same figures as a table under it, for screen readers and for copying.
import { el, table } from "./dom.js";
import { t } from "./i18n.js";

/** Okabe and Ito's palette: told apart under the common colour-vision deficiencies. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const OPTIONS = new WeakMap();

/**
 * A chart and its table: `option` is ECharts', `columns` and `rows` the same data as
 * text; a `compact` chart is for a few bars. Drawn by `draw` once the figure is in the
 * document (ECharts needs its size).
 */
export function figure(title, option, columns, rows, { compact = false } = {}) {
  const box = el("div", { class: compact ? "chart compact" : "chart", role: "img", "aria-label": title });
  OPTIONS.set(box, option);
  return el(
    "figure",
    { class: "chart-figure" },
    el("figcaption", {}, title),
    box,
    el("details", {}, el("summary", {}, t("table")), table(title, columns, rows)),
  );
}

/** Draw every chart under `root` not drawn yet. */
export function draw(root) {
  for (const box of root.querySelectorAll(".chart")) {
    const option = OPTIONS.get(box);
    if (!option || window.echarts.getInstanceByDom(box)) {
      continue;
    }
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      color: PALETTE,
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 56, top: 40, bottom: 40 },
      ...option,
    });
  }
}

/** Charts follow the window's width. */
window.addEventListener("resize", () => {
  for (const box of document.querySelectorAll(".chart")) {
    window.echarts?.getInstanceByDom(box)?.resize();
  }
});
