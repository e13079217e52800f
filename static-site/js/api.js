// JSON calls to the portal API (same origin) and the pages the API sends the person to.
import { showErrorAlert } from "./dom.js";
import { MESSAGES } from "./messages.js";

/** Page to open for each `next` value returned by the API. */
export const NEXT_PAGES = Object.freeze({
  home: "accueil.html",
  first_connection: "creation-compte.html",
  login: "index.html",
});

/**
 * @typedef {object} ApiResult
 * @property {number} status HTTP status, 0 when the portal could not be reached.
 * @property {boolean} ok
 * @property {any} data Parsed JSON body, or null.
 * @property {Record<string, string> | null} errors Field errors of a 400 answer.
 * @property {string | null} message French message to show when the call failed.
 */

/**
 * @param {"GET" | "POST"} method
 * @param {string} path
 * @param {object} [body]
 * @returns {Promise<ApiResult>}
 */
export async function apiRequest(method, path, body) {
  /** @type {RequestInit} */
  const init = {
    method,
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { status: 0, ok: false, data: null, errors: null, message: MESSAGES.network };
  }
  const data = await readJson(response);
  const errors = stringMap(data && data.errors);
  let message = data && typeof data.message === "string" && data.message ? data.message : null;
  if (!response.ok && !message && !errors) {
    message = fallbackMessage(response);
  }
  return { status: response.status, ok: response.ok, data, errors, message };
}

/** @param {string} path */
export function getJson(path) {
  return apiRequest("GET", path);
}

/** @param {string} path @param {object} [body] */
export function postJson(path, body) {
  return apiRequest("POST", path, body);
}

/**
 * GET a resource that needs the session (or first-connection) cookie, for a page that shows it.
 * 401 leaves for the login page; another failure is shown in `alert`. Returns the body, or null.
 * @param {string} path
 * @param {HTMLElement} alert
 * @param {HTMLElement} loading
 */
export async function loadProtected(path, alert, loading) {
  const result = await getJson(path);
  loading.hidden = true;
  if (result.status === 401) {
    goToLogin("session-expiree");
    return null;
  }
  if (!result.ok || !result.data) {
    showErrorAlert(alert, result.message);
    return null;
  }
  return result.data;
}

/**
 * The French text of a failed answer: the API's own; for an answer of the API without its text (a JSON
 * body all the same), the API's text for that status in `fallbacks`; else the generic one. A proxy's
 * answer (no JSON) never gets a fallback: a firewall's 403 is not the API's 403.
 * @param {ApiResult} result
 * @param {Record<number, string>} [fallbacks]
 */
export function failureText(result, fallbacks = {}) {
  const data = result.data;
  if (data && typeof data.message === "string" && data.message) {
    return data.message;
  }
  if (data && typeof data === "object" && Object.hasOwn(fallbacks, result.status)) {
    return fallbacks[result.status];
  }
  return result.message || MESSAGES.unexpected;
}

/**
 * Leave for the login page; `reason` picks a message of MESSAGES.loginReasons there.
 * @param {string} [reason]
 */
export function goToLogin(reason) {
  const target = reason ? `${NEXT_PAGES.login}?motif=${encodeURIComponent(reason)}` : NEXT_PAGES.login;
  window.location.replace(target);
}

/** @param {Response} response */
async function readJson(response) {
  if (response.status === 204) {
    return null;
  }
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** @param {unknown} value @returns {Record<string, string> | null} */
function stringMap(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return null;
  }
  const entries = Object.entries(value).filter(([, text]) => typeof text === "string" && text);
  return entries.length ? Object.fromEntries(entries) : null;
}

/** @param {Response} response */
function fallbackMessage(response) {
  if (response.status === 429) {
    const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    return MESSAGES.throttled(Number.isFinite(seconds) ? Math.ceil(seconds / 60) : 0);
  }
  if (response.status === 401) {
    return MESSAGES.loginReasons["session-expiree"];
  }
  if (response.status >= 500) {
    return MESSAGES.unavailable;
  }
  return MESSAGES.unexpected;
}
