// Operations: each webhook endpoint with its success rate, last error and recent
// deliveries, which an admin may send again; the ingest batches and jobs by status.
import { all, api } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, number, percent, t } from "./i18n.js";
import { follow } from "./progress.js";

const RECENT = 50;
const DELIVERY_STATUSES = ["succeeded", "failed", "pending", "sending"];

/** Succeeded among the finished deliveries (pending ones are not judged yet). */
export function successRate(deliveries) {
  const finished = deliveries.filter((d) => d.status === "succeeded" || d.status === "failed");
  if (finished.length === 0) {
    return null;
  }
  return finished.filter((d) => d.status === "succeeded").length / finished.length;
}

/** How many of `items` are in each of `statuses`: a compact bar chart and its table. */
function byStatus(title, id, statuses, words, items, noun) {
  const counts = statuses.map((status) => items.filter((item) => item.status === status).length);
  const names = statuses.map((status) => t(`${words}.${status}`));
  return figure(
    title,
    {
      xAxis: { type: "category", data: names },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ id, type: "bar", data: counts }],
    },
    [t("status"), noun],
    names.map((name, index) => [name, number(counts[index])]),
    { compact: true },
  );
}

function deliveriesTable(context, deliveries) {
  const retry = (delivery) => async () => {
    await api(`/v1/webhook-deliveries/${delivery.id}/retry`, { method: "POST" });
    await context.redraw();
  };
  return table(
    t("deliveries"),
    [t("event"), t("status"), t("attempts"), t("lastCode"), t("when"), ""],
    deliveries.map((delivery) => [
      delivery.event_type,
      t(`deliveryStatuses.${delivery.status}`),
      number(delivery.attempt_count),
      delivery.last_status_code ?? "—",
      dateTime(delivery.finished_at || delivery.created_at),
      context.can("admin") && delivery.status === "failed"
        ? el("button", { type: "button", class: "retry", "data-delivery": delivery.id, onclick: retry(delivery) }, t("retry"))
        : "",
    ]),
  );
}

function endpointSection(context, endpoint, deliveries) {
  const rate = successRate(deliveries);
  const failed = deliveries.find((d) => d.last_error);
  return el(
    "section",
    { class: "endpoint", "data-endpoint": endpoint.id, "aria-label": endpoint.url },
    el("h2", {}, endpoint.description || endpoint.url),
    el(
      "p",
      { class: "muted" },
      `${endpoint.url} · ${endpoint.enabled ? t("enabled") : t("disabled")}${endpoint.failing_since ? ` · ${t("failingSince", { when: dateTime(endpoint.failing_since) })}` : ""}`,
    ),
    el(
      "div",
      { class: "tiles" },
      el("div", { class: "tile", "data-figure": "success_rate" }, el("span", { class: "tile-label" }, t("successRate")), el("strong", { class: "tile-value" }, percent(rate))),
      el("div", { class: "tile" }, el("span", { class: "tile-label" }, t("lastError")), el("span", {}, failed ? failed.last_error : t("noError"))),
    ),
    byStatus(t("deliveriesByStatus"), "deliveries", DELIVERY_STATUSES, "deliveryStatuses", deliveries, t("deliveries")),
    deliveriesTable(context, deliveries),
  );
}

const BATCH_STATUSES = ["queued", "running", "succeeded", "failed"];

/**
 * The newest batch still queued or merging, followed until it ends; the page is then
 * drawn again, unless the user has gone elsewhere meanwhile.
 */
async function watchBatches(context, batches) {
  const waiting = batches.find((batch) => batch.status === "queued" || batch.status === "running");
  if (!waiting) {
    return;
  }
  const row = () => document.querySelector(`[data-batch="${waiting.id}"] .batch-status`);
  await follow(`/v1/ingest-batches/${waiting.id}`, waiting, (current) => {
    if (row()) {
      row().textContent = t(`refreshStatuses.${current.status}`);
    }
  });
  if (document.querySelector(".page.operations")) {
    await context.redraw();
  }
}

function batchesSection(batches) {
  return el(
    "section",
    { class: "batches", "aria-labelledby": "batches-title" },
    el("h2", { id: "batches-title" }, t("ingestBatches")),
    byStatus(t("batchesByStatus"), "batches", BATCH_STATUSES, "refreshStatuses", batches, t("ingestBatches")),
    table(
      t("latestBatches"),
      [t("kind"), t("rows"), t("status"), t("inserted"), t("updated"), t("when")],
      batches.slice(0, 10).map((batch) => ({
        attrs: { "data-batch": batch.id },
        cells: [
          batch.kind,
          number(batch.row_count),
          el("td", { class: "batch-status" }, t(`refreshStatuses.${batch.status}`)),
          number(batch.inserted),
          number(batch.updated),
          dateTime(batch.finished_at || batch.created_at),
        ],
      })),
    ),
  );
}

const JOB_STATUSES = ["pending", "done", "failed"];

function jobsSection(jobs) {
  const failed = jobs.filter((job) => job.status === "failed").slice(0, 10);
  return el(
    "section",
    { class: "jobs", "aria-labelledby": "jobs-title" },
    el("h2", { id: "jobs-title" }, t("jobs")),
    byStatus(t("jobsByStatus"), "jobs", JOB_STATUSES, "jobStatuses", jobs, t("jobs")),
    failed.length
      ? table(
          t("failedJobs"),
          [t("job"), t("attempts"), t("lastError"), t("when")],
          failed.map((job) => [job.name, number(job.attempts), job.last_error || "—", dateTime(job.finished_at || job.created_at)]),
        )
      : null,
  );
}

export async function render(context) {
  const [endpoints, batches, jobs] = await Promise.all([
    all("/v1/webhook-endpoints"),
    all("/v1/ingest-batches", {}, 100),
    all("/v1/jobs", {}, 100),
  ]);
  const deliveries = await Promise.all(
    endpoints.map((endpoint) => api(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, { query: { limit: RECENT } })),
  );
  // Not awaited: the page is drawn now, the batch's end redraws it.
  watchBatches(context, batches).catch(() => {});
  return el(
    "div",
    { class: "page operations" },
    el("h1", {}, t("operations")),
    endpoints.length === 0 ? el("p", {}, t("noEndpoint")) : null,
    endpoints.map((endpoint, index) => endpointSection(context, endpoint, deliveries[index].items)),
    batchesSection(batches),
    jobsSection(jobs),
  );
}
