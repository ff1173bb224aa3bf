// The public API, called with the key the user pasted. The key lives in sessionStorage
// only: gone when the tab closes, never in a cookie (no CSRF surface) nor in
// localStorage (no key left behind on a shared machine).

import { lang } from "./i18n.js";

const KEY = "smm.console.key";

export function getKey() {
  return sessionStorage.getItem(KEY);
}

export function setKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY);
}

/** An instant as the API takes it: RFC 3339, whole seconds, UTC. */
export function instant(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An RFC 9457 problem the API answered with. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * `path` (with `query`, nulls left out) on the API, as JSON. A problem becomes an
 * ApiError; a 401 also signs out (the key was revoked or has expired).
 */
export async function api(path, { method = "GET", query = {}, body, headers = {} } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined) {
      continue;
    }
    for (const one of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(name, String(one));
    }
  }
  const response = await fetch(url, {
    method,
    headers: {
      Accept: "application/json",
      // The API's problems in the console's language.
      "Accept-Language": lang(),
      Authorization: `Bearer ${getKey()}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) {
    return null;
  }
  const payload = await response.json();
  if (!response.ok) {
    if (response.status === 401) {
      clearKey();
    }
    throw new ApiError(response.status, payload);
  }
  return payload;
}

/** Every item of a cursor-paginated list, up to `max`. */
export async function all(path, query = {}, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(path, { query: { ...query, limit: 100, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
