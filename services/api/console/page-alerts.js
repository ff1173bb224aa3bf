// Alerts: the list, and one alert's timeline (opened, escalations with their metrics,
// acknowledgement, resolution), its explanation, sample mentions and its playbook, with
// the editor's actions: acknowledge, tick steps, resolve, write the postmortem.
import { all, api } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, level, moment, number, percent, t } from "./i18n.js";

function list(alerts) {
  if (alerts.length === 0) {
    return el("p", {}, t("noAlert"));
  }
  return table(
    t("alerts"),
    [t("policy"), t("level"), t("status"), t("opened")],
    alerts.map((alert) => [
      el("a", { href: `#/alerts/${alert.id}` }, alert.policy_name),
      level(alert.level),
      t(`statuses.${alert.status}`),
      dateTime(alert.opened_at),
    ]),
  );
}

/** The alert's events in time order: what its timeline chart and table show. */
export function events(alert) {
  const found = [{ at: alert.opened_at, what: t("openedEvent"), metrics: alert.metrics }];
  for (const step of alert.escalations) {
    found.push({ at: step.at, what: t("escalatedTo", { level: level(step.level) }), metrics: step.metrics });
  }
  if (alert.acknowledged_at) {
    found.push({ at: alert.acknowledged_at, what: t("acknowledgedEvent"), metrics: null });
  }
  if (alert.resolved_at) {
    found.push({ at: alert.resolved_at, what: t("resolvedEvent"), metrics: null });
  }
  return found.sort((a, b) => a.at.localeCompare(b.at));
}

function timeline(alert) {
  const happened = events(alert);
  const measured = happened.filter((event) => event.metrics);
  const marks = happened.filter((event) => !event.metrics);
  return figure(
    t("timeline"),
    {
      legend: { top: 0 },
      xAxis: { type: "time", axisLabel: { formatter: (v) => moment(v), hideOverlap: true } },
      yAxis: [
        { type: "value", min: 0, axisLabel: { formatter: (v) => percent(v) } },
        { type: "value", min: 0, axisLabel: { formatter: (v) => number(v) } },
      ],
      series: [
        {
          id: "negative_share",
          name: t("negativeShare"),
          type: "line",
          step: "end",
          symbolSize: 8,
          data: measured.map((event) => [event.at, event.metrics.negative_share]),
          markLine: {
            symbol: "none",
            label: { formatter: (mark) => mark.name },
            data: marks.map((event) => ({ name: event.what, xAxis: event.at })),
          },
        },
        {
          id: "mention_count",
          name: t("mentionsCount"),
          type: "line",
          step: "end",
          symbolSize: 8,
          yAxisIndex: 1,
          data: measured.map((event) => [event.at, event.metrics.mention_count]),
        },
      ],
    },
    [t("when"), t("what"), t("negativeShare"), t("mentionsCount")],
    happened.map((event) => [
      dateTime(event.at),
      event.what,
      event.metrics ? percent(event.metrics.negative_share) : "—",
      event.metrics ? number(event.metrics.mention_count) : "—",
    ]),
  );
}

function explanation(alert) {
  const why = alert.explanation;
  const shares = (word, rows) =>
    figure(
      t(word),
      {
        tooltip: { trigger: "item" },
        series: [{ id: word, type: "pie", radius: ["35%", "65%"], data: rows.map((row) => ({ name: row.key, value: row.mentions })) }],
      },
      [t("key"), t("mentionsCount"), t("negative"), t("share")],
      rows.map((row) => [row.key, number(row.mentions), number(row.negative), percent(row.share)]),
    );
  const trends = (word, rows) =>
    table(
      t(word),
      [t("key"), t("mentionsCount"), t("expected")],
      rows.map((row) => [row.key, number(row.mentions), number(row.expected, 1)]),
    );
  return el(
    "section",
    { "aria-labelledby": "why" },
    el("h2", { id: "why" }, t("explanation")),
    el("p", { class: "summary" }, why.summary),
    el(
      "div",
      { class: "grid" },
      trends("terms", why.terms),
      trends("hashtags", why.hashtags),
      table(
        t("authors"),
        [t("key"), t("followers"), t("mentionsCount"), t("negative")],
        why.top_authors.map((row) => [row.handle, number(row.followers), number(row.mentions), number(row.negative)]),
      ),
    ),
    el("div", { class: "grid" }, shares("platforms", why.platforms), shares("languages", why.languages)),
  );
}

async function samples(alert) {
  if (alert.sample_mention_ids.length === 0) {
    return null;
  }
  const mentions = await all("/v1/mentions", { ids: alert.sample_mention_ids });
  return el(
    "section",
    { "aria-labelledby": "samples" },
    el("h2", { id: "samples" }, t("samples")),
    el(
      "ul",
      { class: "mentions" },
      mentions.map((mention) =>
        el(
          "li",
          { lang: mention.language || null },
          el("span", { class: "muted" }, `${mention.platform} · ${mention.author_handle} · ${dateTime(mention.posted_at)}`),
          el("blockquote", {}, mention.text),
        ),
      ),
    ),
  );
}

function playbook(context, alert) {
  const editable = context.can("editor") && alert.status !== "resolved";
  const save = async () => {
    const done = [...document.querySelectorAll("#playbook input:checked")].map((box) => Number(box.value));
    await api(`/v1/alerts/${alert.id}`, { method: "PATCH", body: { playbook_done: done } });
    await context.redraw();
  };
  return el(
    "section",
    { "aria-labelledby": "playbook-title" },
    el("h2", { id: "playbook-title" }, t("playbook")),
    el(
      "ol",
      { id: "playbook", class: "playbook" },
      alert.playbook.map((step, index) =>
        el(
          "li",
          {},
          el(
            "label",
            {},
            el("input", { type: "checkbox", value: index, checked: step.done, disabled: !editable, onchange: save }),
            ` ${step.text} `,
            el("span", { class: "muted" }, `(${t("owner", { role: step.owner_role })}${step.done_at ? ` · ${dateTime(step.done_at)}` : ""})`),
          ),
        ),
      ),
    ),
  );
}

function actions(context, alert) {
  if (!context.can("editor") || alert.status === "resolved") {
    return null;
  }
  const move = (status) => async () => {
    await api(`/v1/alerts/${alert.id}`, { method: "PATCH", body: { status } });
    await context.redraw();
  };
  return el(
    "div",
    { class: "actions" },
    alert.status === "open" ? el("button", { type: "button", id: "acknowledge", onclick: move("acknowledged") }, t("acknowledge")) : null,
    el("button", { type: "button", id: "resolve", onclick: move("resolved") }, t("resolve")),
  );
}

function postmortem(context, alert) {
  const editable = context.can("editor");
  if (!editable && !alert.postmortem) {
    return null;
  }
  const status = el("p", { class: "muted", role: "status" });
  const text = el("textarea", { id: "postmortem-text", rows: 6, readonly: !editable }, alert.postmortem || "");
  const save = async (event) => {
    event.preventDefault();
    await api(`/v1/alerts/${alert.id}`, { method: "PATCH", body: { postmortem: text.value || null } });
    status.textContent = t("saved");
  };
  return el(
    "form",
    { class: "postmortem", onsubmit: save },
    el("h2", {}, el("label", { for: "postmortem-text" }, t("postmortem"))),
    text,
    editable ? el("button", { type: "submit" }, t("save")) : null,
    status,
  );
}

async function detail(context, id) {
  const alert = await api(`/v1/alerts/${id}`);
  return el(
    "div",
    { class: "page alert", "data-alert": alert.id },
    el("p", {}, el("a", { href: "#/alerts" }, `← ${t("back")}`)),
    el("h1", {}, `${t("alert")} · ${alert.policy_name}`),
    el(
      "p",
      { class: `status level-${alert.level}` },
      `${t("level")} ${level(alert.level)} · ${t(`statuses.${alert.status}`)} · ${t("opened")} ${dateTime(alert.opened_at)}`,
    ),
    actions(context, alert),
    el("section", { "aria-label": t("timeline") }, timeline(alert)),
    explanation(alert),
    await samples(alert),
    playbook(context, alert),
    postmortem(context, alert),
  );
}

export async function render(context, id) {
  if (id) {
    return detail(context, id);
  }
  const alerts = await all("/v1/alerts", { sort: "-opened_at" });
  return el("div", { class: "page alerts" }, el("h1", {}, t("alerts")), list(alerts));
}
