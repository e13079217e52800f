// What the référent area's pages share (agents.html, journal.html): the session check, the paged
// lists of the API, dates in French and the table cells.
import { failureText, getJson, goToLogin } from "./api.js";
import { showErrorAlert } from "./dom.js";
import { MESSAGES } from "./messages.js";

// At most this many pages of a list are followed, a guard against a cursor that never ends.
const MAX_PAGES = 1000;

const DATE = new Intl.DateTimeFormat("fr-FR", {
  timeZone: "Europe/Paris",
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
});
const TIME = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" });

/**
 * @typedef {object} Agent
 * @property {string} identifier
 * @property {string} first_name
 * @property {string} last_name
 * @property {string} email
 * @property {string} role
 * @property {string} status
 * @property {string} created_at
 * @property {string | null} last_login_at
 */

/**
 * A failed answer of the référent area: 401 leaves for the login page (returns true), anything
 * else is shown in `alert` (see failureText() for `fallbacks`).
 * @param {import("./api.js").ApiResult} result
 * @param {HTMLElement} alert
 * @param {Record<number, string>} [fallbacks]
 */
export function showFailure(result, alert, fallbacks = {}) {
  if (result.status === 401) {
    goToLogin("session-expiree");
    return true;
  }
  showErrorAlert(alert, failureText(result, fallbacks));
  return false;
}

/**
 * The session of a référent page: null (and the reason shown, or the login page opened) when
 * there is none or it is not a référent's.
 * @param {HTMLElement} alert
 * @returns {Promise<{identifier: string, role: string} | null>}
 */
export async function referentSession(alert) {
  const result = await getJson("/api/session");
  if (!result.ok || !result.data) {
    showFailure(result, alert);
    return null;
  }
  if (result.data.role !== "referent") {
    // The API answers a profile with this very text; no need to ask it.
    showErrorAlert(alert, MESSAGES.referentOnly);
    return null;
  }
  return { identifier: text(result.data.identifier), role: "referent" };
}

/**
 * Every item of a paged list of the API (`next_cursor` followed to the end), or the failed answer.
 * @param {string} path
 * @param {string} key name of the list in each page
 * @returns {Promise<{items: any[], failure: null} | {items: null, failure: import("./api.js").ApiResult}>}
 */
export async function loadAll(path, key) {
  /** @type {any[]} */
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await loadPage(path, key, cursor);
    if (answer.failure) {
      return answer;
    }
    items.push(...answer.items);
    cursor = answer.next;
    if (!cursor) {
      break;
    }
  }
  return { items, failure: null };
}

/**
 * One page of a paged list of the API.
 * @param {string} path
 * @param {string} key
 * @param {string | null} cursor
 * @returns {Promise<{items: any[], next: string | null, failure: null} | {items: null, next: null, failure: import("./api.js").ApiResult}>}
 */
export async function loadPage(path, key, cursor) {
  const result = await getJson(cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path);
  const list = result.ok && result.data ? result.data[key] : null;
  if (!Array.isArray(list)) {
    return { items: null, next: null, failure: result.ok ? { ...result, ok: false } : result };
  }
  const next = typeof result.data.next_cursor === "string" && result.data.next_cursor ? result.data.next_cursor : null;
  return { items: list.filter((item) => item && typeof item === "object"), next, failure: null };
}

/**
 * « Prénom Nom » of an agent.
 * @param {Agent} agent
 */
export function agentName(agent) {
  return MESSAGES.agentName(text(agent.first_name), text(agent.last_name));
}

/**
 * A <time> with an ISO 8601 instant in French, Paris time: « 02/03/2026 à 17:05 », which may wrap
 * before « à » only; « — » when there is none.
 * @param {unknown} value
 * @returns {Node}
 */
export function dateTime(value) {
  if (typeof value !== "string" || !value) {
    const never = document.createElement("span");
    const shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = MESSAGES.never;
    const spoken = document.createElement("span");
    spoken.className = "fr-sr-only";
    spoken.textContent = MESSAGES.neverSpoken;
    never.append(shown, spoken);
    return never;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return document.createTextNode(value);
  }
  const time = document.createElement("time");
  time.dateTime = value;
  const day = document.createElement("span");
  day.textContent = DATE.format(date);
  const hour = document.createElement("span");
  hour.textContent = MESSAGES.atTime(TIME.format(date));
  time.append(day, " ", hour);
  return time;
}

/**
 * A table cell holding `content` (text, or nodes).
 * @param {string | Node} content
 * @returns {HTMLTableCellElement}
 */
export function cell(content) {
  const td = document.createElement("td");
  td.append(content);
  return td;
}

/**
 * A string from the API, or "".
 * @param {unknown} value
 */
export function text(value) {
  return typeof value === "string" ? value : "";
}
