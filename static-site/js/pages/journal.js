// The organisation's journal (journal.html), for référents: GET /api/session, GET /api/journal page by page
// (« Afficher plus »), GET /api/agents for the agents' names.
import { agentName, cell, dateTime, loadAll, loadPage, referentSession, showFailure, text } from "../agents.js";
import { byId } from "../dom.js";
import { MESSAGES } from "../messages.js";

const loading = byId("journal-loading");
const pageAlert = byId("journal-alert");
const area = byId("journal-area");
const rows = byId("journal-rows");
const count = byId("journal-count");
const more = /** @type {HTMLButtonElement} */ (byId("journal-more"));

/** @type {string | null} */
let cursor = null;
/** @type {Map<string, string>} identifier (upper case) -> « Prénom Nom » */
let names = new Map();

start();

async function start() {
  const session = await referentSession(pageAlert);
  if (!session) {
    loading.hidden = true;
    return;
  }
  const [first, agents] = await Promise.all([
    loadPage("/api/journal", "events", null),
    loadAll("/api/agents", "agents"),
  ]);
  loading.hidden = true;
  if (first.failure) {
    showFailure(first.failure, pageAlert, { 403: MESSAGES.referentOnly });
    return;
  }
  // The names only help reading: without them, the identifiers alone are shown.
  if (agents.items) {
    names = new Map(agents.items.map((agent) => [text(agent.identifier).toUpperCase(), agentName(agent)]));
  }
  append(first.items, first.next);
  area.hidden = false;
}

more.addEventListener("click", async () => {
  if (!cursor || more.getAttribute("aria-disabled") === "true") {
    return;
  }
  more.setAttribute("aria-disabled", "true");
  const page = await loadPage("/api/journal", "events", cursor);
  more.removeAttribute("aria-disabled");
  if (page.failure) {
    showFailure(page.failure, pageAlert, { 403: MESSAGES.referentOnly });
    return;
  }
  const firstNew = append(page.items, page.next);
  // The button may be gone: the focus goes to the first new event, read next.
  if (more.hidden && firstNew) {
    firstNew.focus();
  }
});

/**
 * Add a page of events (newest first) to the table.
 * @param {any[]} events
 * @param {string | null} next
 * @returns {HTMLElement | null} the first cell added
 */
function append(events, next) {
  const added = events.map(row);
  rows.append(...added);
  cursor = next;
  more.hidden = !next;
  const total = rows.querySelectorAll("tr").length;
  count.textContent = total ? MESSAGES.journalCount(total) : MESSAGES.journalEmpty;
  const first = added.length ? added[0].querySelector("td") : null;
  if (first) {
    first.setAttribute("tabindex", "-1");
  }
  return first;
}

/** @param {any} event */
function row(event) {
  const tr = document.createElement("tr");
  const action = text(event.action);
  tr.dataset.action = action;
  tr.append(
    cell(dateTime(event.at)),
    cell(who(text(event.actor))),
    cell(Object.hasOwn(MESSAGES.journalActions, action) ? MESSAGES.journalActions[action] : action),
    cell(who(text(event.target))),
    cell(text(event.detail)),
  );
  return tr;
}

/** « Prénom Nom (identifiant) » for an agent of the organisation, else the value itself (« opérateur »). */
function who(/** @type {string} */ value) {
  const name = names.get(value.toUpperCase());
  return name ? `${name} (${value})` : value;
}
