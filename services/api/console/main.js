// The console: sign in with a key, then one page per hash route (#/overview,
// #/alerts/<id>...). Every figure comes from the public API (`api.js`).
import { api, ApiError, clearKey, getKey, setKey } from "./api.js";
import { draw } from "./charts.js";
import { el } from "./dom.js";
import { configure, t } from "./i18n.js";
import * as alerts from "./page-alerts.js";
import * as attribution from "./page-attribution.js";
import * as audiences from "./page-audiences.js";
import * as campaigns from "./page-campaigns.js";
import * as content from "./page-content.js";
import * as listening from "./page-listening.js";
import * as operations from "./page-operations.js";
import * as overview from "./page-overview.js";

/**
 * Each page: its hash, its title's word, the role its reads need (webhook endpoints are
 * an admin's), and `render(context, ...params)`.
 */
const PAGES = [
  { route: "overview", word: "overview", role: "viewer", page: overview },
  { route: "campaigns", word: "campaigns", role: "viewer", page: campaigns },
  { route: "content", word: "content", role: "viewer", page: content },
  { route: "listening", word: "listening", role: "viewer", page: listening },
  { route: "alerts", word: "alerts", role: "viewer", page: alerts },
  { route: "attribution", word: "attribution", role: "viewer", page: attribution },
  { route: "audiences", word: "audiences", role: "viewer", page: audiences },
  { route: "operations", word: "operations", role: "admin", page: operations },
];

const RANKS = { viewer: 0, editor: 1, admin: 2 };

const $ = (id) => document.getElementById(id);

function signInForm(message = "") {
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("page").replaceChildren();
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message;
  $("key").focus();
}

function words() {
  $("brand").textContent = "SMM";
  document.querySelector(".skip").textContent = t("skip");
  $("sign-in-title").textContent = "Console";
  $("key-label").textContent = t("keyLabel");
  $("key-hint").textContent = t("keyHint");
  $("sign-in-button").textContent = t("signIn");
  $("sign-out").textContent = t("signOut");
}

async function start() {
  if (!getKey()) {
    words();
    signInForm();
    return null;
  }
  try {
    const [key, workspace] = await Promise.all([api("/v1/api-key"), api("/v1/workspace")]);
    configure(workspace);
    words();
    return { key, workspace, can: (role) => RANKS[key.role] >= RANKS[role], redraw: route };
  } catch (error) {
    clearKey();
    words();
    signInForm(error instanceof ApiError ? t("keyRefused", { detail: error.message }) : String(error));
    return null;
  }
}

let context = null;

function navigation(current) {
  return PAGES.filter((page) => context.can(page.role)).map(({ route: name, word }) =>
    el("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, t(word)),
  );
}

async function route() {
  if (!context) {
    return;
  }
  const [name, ...params] = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const entry = PAGES.find((page) => page.route === name) || PAGES[0];
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("nav").replaceChildren(...navigation(entry.route));
  $("sign-out").hidden = false;
  $("who").textContent = `${context.workspace.name} · ${t("role", { role: t(`roles.${context.key.role}`) })}`;
  document.title = `${t(entry.word)} · SMM`;
  const page = $("page");
  page.setAttribute("aria-busy", "true");
  page.replaceChildren(el("p", { class: "loading" }, t("loading")));
  try {
    if (!context.can(entry.role)) {
      page.replaceChildren(el("p", { class: "error", role: "alert" }, t("needsRole", { role: t(`roles.${entry.role}`) })));
      return;
    }
    const content = await entry.page.render(context, ...params);
    page.replaceChildren(content);
    draw(page);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      context = null;
      signInForm(t("keyRefused", { detail: error.message }));
      return;
    }
    page.replaceChildren(el("p", { class: "error", role: "alert" }, t("failed", { detail: error.message })));
  } finally {
    page.setAttribute("aria-busy", "false");
  }
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  setKey($("key").value.trim());
  $("key").value = "";
  context = await start();
  await route();
});

$("sign-out").addEventListener("click", () => {
  clearKey();
  context = null;
  signInForm();
});

window.addEventListener("hashchange", route);

context = await start();
await route();
