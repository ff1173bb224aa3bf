// Listening: share of voice and the brand's net sentiment week by week, this month's
// terms, responsiveness, and the inbox of mentions that need a response (an editor
// assigns, marks responded or ignores them).
import { all, api, instant } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, day, duration, number, percent, t } from "./i18n.js";

const WEEK_MS = 7 * 86_400_000;
const WEEKS = 12;

/** The last WEEKS whole weeks up to now, oldest first, as [from, to] instants. */
export function weeks(now = new Date()) {
  return Array.from({ length: WEEKS }, (_, index) => {
    const to = new Date(now.getTime() - (WEEKS - 1 - index) * WEEK_MS);
    return [instant(new Date(to.getTime() - WEEK_MS)), instant(to)];
  });
}

function voiceOverTime(spans, voices) {
  const labels = spans.map(([, to]) => day(to));
  const share = voices.map((voice) => voice.brand.share);
  const net = voices.map((voice) => voice.brand_net_sentiment);
  return figure(
    t("voiceOverTime"),
    {
      legend: { top: 0 },
      xAxis: { type: "category", data: labels },
      yAxis: [
        { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => percent(v) } },
        { type: "value", min: -1, max: 1 },
      ],
      series: [
        { id: "share_of_voice", name: t("shareOfVoice"), type: "line", data: share },
        { id: "net_sentiment", name: t("netSentiment"), type: "line", yAxisIndex: 1, data: net },
      ],
    },
    [t("weekEnding"), t("brandMentions"), t("shareOfVoice"), t("netSentiment")],
    voices.map((voice, index) => [
      labels[index],
      number(voice.brand.mentions),
      percent(voice.brand.share),
      number(voice.brand_net_sentiment, 2),
    ]),
  );
}

function responsiveness(figures) {
  return el(
    "div",
    { class: "tiles" },
    [
      ["needing_response", number(figures.needing_response)],
      ["responded", number(figures.responded)],
      ["response_rate", percent(figures.response_rate)],
      ["median_response", duration(figures.median_response_seconds)],
      ["p90_response", duration(figures.p90_response_seconds)],
    ].map(([word, value]) =>
      el("div", { class: "tile", "data-figure": word }, el("span", { class: "tile-label" }, t(`responsiveness.${word}`)), el("strong", { class: "tile-value" }, value)),
    ),
  );
}

function inbox(context, mentions) {
  if (mentions.length === 0) {
    return el("p", {}, t("inboxEmpty"));
  }
  const editable = context.can("editor");
  const change = (mention, body) => async () => {
    await api(`/v1/mentions/${mention.id}`, { method: "PATCH", body });
    await context.redraw();
  };
  return el(
    "ul",
    { class: "mentions inbox" },
    mentions.map((mention) => {
      const who = el("input", { id: `assignee-${mention.id}`, value: mention.assignee || "", maxlength: 200 });
      return el(
        "li",
        { "data-mention": mention.id, lang: mention.language || null },
        el("span", { class: "muted" }, `${mention.platform} · ${mention.author_handle} · ${dateTime(mention.posted_at)} · ${t(`mentionStatuses.${mention.status}`)}${mention.assignee ? ` · ${mention.assignee}` : ""}`),
        el("blockquote", {}, mention.text),
        editable
          ? el(
              "div",
              { class: "actions" },
              el("label", { for: `assignee-${mention.id}` }, t("assignee")),
              who,
              el("button", { type: "button", class: "assign", onclick: async () => change(mention, { assignee: who.value.trim() || null })() }, t("assign")),
              el("button", { type: "button", class: "respond", onclick: change(mention, { status: "responded" }) }, t("markResponded")),
              el("button", { type: "button", class: "ignore", onclick: change(mention, { status: "ignored" }) }, t("ignore")),
            )
          : null,
      );
    }),
  );
}

export async function render(context) {
  const spans = weeks();
  const month = { from: instant(new Date(Date.now() - 30 * 86_400_000)), to: instant(new Date()) };
  const [voices, current, figures, waiting] = await Promise.all([
    Promise.all(spans.map(([from, to]) => api("/v1/kpis/share-of-voice", { query: { from, to } }))),
    api("/v1/kpis/share-of-voice", { query: month }),
    api("/v1/kpis/responsiveness", { query: month }),
    all("/v1/mentions", { needs_response: true, sort: "-posted_at" }, 20),
  ]);
  const open = waiting.filter((mention) => mention.status === "new" || mention.status === "assigned").slice(0, 20);
  return el(
    "div",
    { class: "page listening" },
    el("h1", {}, t("listening")),
    el("section", { "aria-label": t("voiceOverTime") }, voiceOverTime(spans, voices)),
    el(
      "section",
      { "aria-labelledby": "terms-title" },
      el("h2", { id: "terms-title" }, t("last30")),
      table(
        el("span", { class: "visually-hidden" }, t("terms")),
        [t("term"), t("kind"), t("mentionsCount"), t("shareOfVoice"), t("netSentiment")],
        current.terms.map((term) => [term.term, t(`kinds.${term.kind}`), number(term.mentions), percent(term.share), number(term.net_sentiment, 2)]),
      ),
    ),
    el("section", { "aria-labelledby": "responsiveness-title" }, el("h2", { id: "responsiveness-title" }, t("responsivenessTitle")), responsiveness(figures)),
    el("section", { "aria-labelledby": "inbox-title" }, el("h2", { id: "inbox-title" }, t("inbox")), inbox(context, open)),
  );
}
