// Long work (a refresh, an attribution run, an ingest batch) followed to its end from
// the page: its resource is read again every second until it is no longer queued or
// running, its status shown on the way, with no page reload.
import { api } from "./api.js";

const POLL_MS = 1000;
const PENDING = new Set(["queued", "running"]);

/** The resource at `path` once finished; `report(resource)` on each reading. */
export async function follow(path, first, report) {
  let current = first;
  report(current);
  while (PENDING.has(current.status)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await api(path);
    report(current);
  }
  return current;
}
