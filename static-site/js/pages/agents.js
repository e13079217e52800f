// The organisation's agents (agents.html), for référents: GET /api/session, GET /api/agents (every page),
// POST /api/agents, POST /api/agents/{identifier}/temporary-password | disable | enable.
import { failureText, postJson } from "../api.js";
import { agentName, cell, dateTime, loadAll, referentSession, showFailure, text } from "../agents.js";
import { byId, focusAlert, hideAlert, markErrorTitle, showAlert, showErrorAlert } from "../dom.js";
import { checkWhileEditing, clearFieldErrors, onSubmit, showApiErrors, showFieldErrors, trimmedValue } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupModal } from "../modal.js";

/** @typedef {import("../agents.js").Agent} Agent */
/** @typedef {"temporaryPassword" | "disable" | "enable"} Action */

// The API's rule for names (SPEC §9): letters, accents included, spaces, hyphens, apostrophes; 50 at most.
const NAME = /^[\p{L}\p{M} '’-]+$/u;
const NAME_MAX = 50;
// Deliberately loose: the API validates the address for real.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
const COUNT_DELAY_MS = 400;

const STATUS_BADGES = Object.freeze({
  pending: "fr-badge--info",
  active: "fr-badge--success",
  disabled: "",
});

const loading = byId("agents-loading");
const pageAlert = byId("agents-alert");
const area = byId("agents-area");
const form = /** @type {HTMLFormElement} */ (byId("create-form"));
const createAlert = byId("create-alert");
const createSuccess = byId("create-success");
const actionAlert = byId("action-alert");
const actionSuccess = byId("action-success");
const search = /** @type {HTMLInputElement} */ (byId("agents-search"));
const count = byId("agents-count");
const rows = byId("agents-rows");
const dialogText = byId("disable-modal-text");
const confirmDisable = byId("disable-confirm");
const cancelDisable = byId("disable-cancel");
const modal = setupModal(
  /** @type {HTMLDialogElement} */ (byId("disable-modal")),
  [byId("disable-modal-close"), cancelDisable],
  { initialFocus: cancelDisable, onClose: () => (toDisable = null) },
);

let me = "";
/** @type {Agent[]} */
let agents = [];
/** @type {Agent | null} */
let toDisable = null;
let busy = false;
/** @type {number | undefined} */
let countTimer;

start();

async function start() {
  const session = await referentSession(pageAlert);
  if (!session) {
    loading.hidden = true;
    return;
  }
  me = session.identifier.toUpperCase();
  const answer = await loadAll("/api/agents", "agents");
  loading.hidden = true;
  if (answer.failure) {
    showFailure(answer.failure, pageAlert, { 403: MESSAGES.referentOnly });
    return;
  }
  agents = answer.items;
  render();
  area.hidden = false;
}

/** Load the list again after a change; a failure is shown with the actions' alerts. */
async function refresh() {
  const answer = await loadAll("/api/agents", "agents");
  if (answer.failure) {
    showFailure(answer.failure, actionAlert);
    return;
  }
  agents = answer.items;
  render();
}

// --- The table ---------------------------------------------------------------------------------

function render() {
  const sorted = [...agents].sort(
    (a, b) =>
      compare(text(a.last_name), text(b.last_name)) ||
      compare(text(a.first_name), text(b.first_name)) ||
      compare(text(a.identifier), text(b.identifier)),
  );
  rows.replaceChildren(...sorted.map(row));
  filter(true);
}

/** @param {string} a @param {string} b */
function compare(a, b) {
  return a.localeCompare(b, "fr", { sensitivity: "base" });
}

/** @param {Agent} agent */
function row(agent) {
  const tr = document.createElement("tr");
  const identifier = text(agent.identifier);
  tr.dataset.identifier = identifier;
  tr.dataset.search = searchable(
    [agent.last_name, agent.first_name, agent.identifier, agent.email, agentName(agent)].map(text).join(" "),
  );
  tr.append(
    cell(text(agent.last_name)),
    cell(text(agent.first_name)),
    cell(identifier),
    cell(email(text(agent.email))),
    cell(roleLabel(text(agent.role))),
    cell(statusBadge(text(agent.status))),
    cell(dateTime(agent.created_at)),
    cell(dateTime(agent.last_login_at)),
    actionsCell(agent),
  );
  return tr;
}

/** An email that may wrap before its @, and nowhere else. @param {string} address */
function email(address) {
  const at = address.lastIndexOf("@");
  if (at <= 0) {
    return address;
  }
  const shown = document.createElement("span");
  for (const part of [address.slice(0, at), address.slice(at)]) {
    const piece = document.createElement("span");
    piece.className = "cmi-nowrap";
    piece.textContent = part;
    shown.append(piece, document.createElement("wbr"));
  }
  return shown;
}

/** @param {string} role */
function roleLabel(role) {
  return Object.hasOwn(MESSAGES.roles, role) ? MESSAGES.roles[role] : role;
}

/** @param {string} status */
function statusBadge(status) {
  const badge = document.createElement("span");
  badge.className = "fr-badge fr-badge--sm";
  if (Object.hasOwn(STATUS_BADGES, status) && STATUS_BADGES[status]) {
    badge.classList.add(STATUS_BADGES[status]);
  }
  badge.textContent = Object.hasOwn(MESSAGES.agentStatuses, status) ? MESSAGES.agentStatuses[status] : status;
  return badge;
}

/** @param {Agent} agent */
function actionsCell(agent) {
  const td = document.createElement("td");
  const actions = document.createElement("div");
  actions.className = "cmi-row-actions";
  const own = text(agent.identifier).toUpperCase() === me;
  if (agent.status === "pending") {
    actions.append(actionButton(agent, "temporaryPassword", "fr-btn--tertiary"));
  }
  if (agent.status === "disabled") {
    actions.append(actionButton(agent, "enable", "fr-btn--secondary"));
  } else if (!own) {
    actions.append(actionButton(agent, "disable", "fr-btn--secondary"));
  }
  if (own) {
    const note = document.createElement("span");
    note.className = "fr-text--sm cmi-own";
    note.textContent = MESSAGES.agentActions.ownAccount;
    actions.append(note);
  }
  td.append(actions);
  return td;
}

/**
 * @param {Agent} agent
 * @param {Action} action
 * @param {string} kind DSFR button variant
 */
function actionButton(agent, action, kind) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `fr-btn fr-btn--sm ${kind}`;
  button.dataset.action = action;
  button.dataset.identifier = text(agent.identifier);
  const target = document.createElement("span");
  target.className = "fr-sr-only";
  target.textContent = MESSAGES.agentActionTargets[action](agentName(agent));
  button.append(MESSAGES.agentActions[action], target);
  return button;
}

// --- Search ------------------------------------------------------------------------------------

/** Lower case, without accents: « Hélène » is found with « helene ». @param {string} value */
function searchable(value) {
  return value.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Show the rows matching the search; the count is announced once typing pauses. @param {boolean} [now] */
function filter(now = false) {
  const words = searchable(search.value).split(/\s+/u).filter(Boolean);
  let shown = 0;
  const all = rows.querySelectorAll("tr");
  for (const tr of all) {
    const haystack = tr instanceof HTMLElement ? tr.dataset.search || "" : "";
    const match = words.every((word) => haystack.includes(word));
    tr.hidden = !match;
    shown += match ? 1 : 0;
  }
  const message = shown === 0 && all.length > 0 ? MESSAGES.agentsNoMatch : MESSAGES.agentsCount(shown, all.length);
  window.clearTimeout(countTimer);
  if (now) {
    count.textContent = message;
  } else {
    countTimer = window.setTimeout(() => {
      count.textContent = message;
    }, COUNT_DELAY_MS);
  }
}

search.addEventListener("input", () => filter());
// Enter in the search field must not do anything else (no form around it, but be explicit).
search.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    filter(true);
  }
});

// --- Creating a profile ------------------------------------------------------------------------

onSubmit(form, async () => {
  clearFieldErrors(form);
  hideAlert(createAlert);
  hideAlert(createSuccess);
  const values = profileValues();
  const errors = checkProfile(values);
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }
  const result = await postJson("/api/agents", values);
  if (result.ok && result.data && typeof result.data.identifier === "string") {
    form.reset();
    const name = MESSAGES.agentName(values.first_name, values.last_name);
    showAlert(createSuccess, MESSAGES.agentCreated(name, result.data.identifier, values.email));
    focusAlert(createSuccess);
    await refresh();
    return;
  }
  if (result.status === 401) {
    showFailure(result, createAlert);
    return;
  }
  showApiErrors(form, createAlert, result.ok ? { ...result, ok: false, message: MESSAGES.unexpected } : result);
});

checkWhileEditing(form, () => checkProfile(profileValues()));

/** The trimmed values of the profile form. */
function profileValues() {
  return { last_name: trimmedValue("last_name"), first_name: trimmedValue("first_name"), email: trimmedValue("email") };
}

/**
 * The API's own checks, made before posting; the API makes them again.
 * @param {{last_name: string, first_name: string, email: string}} values
 * @returns {Record<string, string>}
 */
function checkProfile(values) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const [field, required, format] of /** @type {const} */ ([
    ["last_name", MESSAGES.lastNameRequired, MESSAGES.lastNameFormat],
    ["first_name", MESSAGES.firstNameRequired, MESSAGES.firstNameFormat],
  ])) {
    const value = values[field];
    if (!value) {
      errors[field] = required;
    } else if (!NAME.test(value) || [...value].length > NAME_MAX) {
      errors[field] = format;
    }
  }
  const email = values.email.toLowerCase();
  if (!EMAIL.test(values.email)) {
    errors.email = MESSAGES.emailRequiredValid;
  } else if (agents.some((agent) => text(agent.email).toLowerCase() === email)) {
    errors.email = MESSAGES.emailAlreadyUsed;
  }
  return errors;
}

// --- Actions on a row --------------------------------------------------------------------------

rows.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
  if (!(button instanceof HTMLButtonElement)) {
    return;
  }
  const agent = agents.find((candidate) => text(candidate.identifier) === button.dataset.identifier);
  if (!agent || busy) {
    return;
  }
  const action = /** @type {Action} */ (button.dataset.action);
  if (action === "disable") {
    askToDisable(agent, button);
  } else {
    act(agent, action);
  }
});

/** @param {Agent} agent @param {HTMLElement} opener */
function askToDisable(agent, opener) {
  clearActionAlerts();
  if (text(agent.identifier).toUpperCase() === me) {
    showErrorAlert(actionAlert, MESSAGES.cannotDisableSelf);
    focusAlert(actionAlert);
    return;
  }
  toDisable = agent;
  dialogText.textContent = MESSAGES.disableQuestion(agentName(agent), text(agent.identifier));
  modal.open(opener);
}

confirmDisable.addEventListener("click", () => {
  if (toDisable && !busy) {
    act(toDisable, "disable");
  }
});

const ROUTES = Object.freeze({ temporaryPassword: "temporary-password", disable: "disable", enable: "enable" });
// The API's 409 text for each action, should its answer come without it (one's own row offers no « Désactiver »).
const CONFLICTS = Object.freeze({
  temporaryPassword: { 409: MESSAGES.alreadyActivated },
  disable: { 409: MESSAGES.lastReferent },
  enable: {},
});

/**
 * POST the action, then say what happened, with the focus on that message, and show the list as it now is.
 * @param {Agent} agent
 * @param {Action} action
 */
async function act(agent, action) {
  busy = true;
  clearActionAlerts();
  const identifier = text(agent.identifier);
  const result = await postJson(`/api/agents/${encodeURIComponent(identifier)}/${ROUTES[action]}`);
  busy = false;
  toDisable = null;
  if (result.status === 401) {
    modal.close();
    showFailure(result, actionAlert);
    return;
  }
  const outcome = result.ok ? actionSuccess : actionAlert;
  if (result.ok) {
    showAlert(outcome, successMessage(agent, action));
  } else {
    showErrorAlert(outcome, failureText(result, { 404: MESSAGES.agentNotFound, ...CONFLICTS[action] }));
  }
  outcome.setAttribute("tabindex", "-1");
  if (modal.isOpen()) {
    modal.close(outcome); // the focus goes there once the modal has closed
  } else {
    focusAlert(outcome);
  }
  await refresh();
}

/** @param {Agent} agent @param {Action} action */
function successMessage(agent, action) {
  const name = agentName(agent);
  if (action === "temporaryPassword") {
    return MESSAGES.temporaryPasswordSent(name, text(agent.email));
  }
  return action === "disable" ? MESSAGES.agentDisabled(name) : MESSAGES.agentEnabled(name);
}

function clearActionAlerts() {
  hideAlert(actionAlert);
  hideAlert(actionSuccess);
  markErrorTitle(false);
}
