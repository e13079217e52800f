// Home after login (accueil.html): GET /api/session, POST /api/logout.
import { goToLogin, loadProtected, postJson } from "../api.js";
import { byId, showErrorAlert } from "../dom.js";
import { MESSAGES } from "../messages.js";

const alert = byId("home-alert");
const loading = byId("home-loading");
const details = byId("home-session");
const logout = byId("logout");

loadSession();

async function loadSession() {
  const session = await loadProtected("/api/session", alert, loading);
  if (!session) {
    return;
  }
  const organisation = session.organisation || {};
  byId("greeting").textContent = MESSAGES.greeting(text(session.first_name), text(session.last_name));
  byId("session-organisation").textContent = MESSAGES.organisation(text(organisation.name), text(organisation.code));
  byId("session-identifier").textContent = text(session.identifier);
  byId("session-role").textContent = roleLabel(text(session.role));
  byId("session-email").textContent = text(session.email);
  // The référent area is offered to référents only (the API refuses it to the others anyway).
  byId("home-referent").hidden = session.role !== "referent";
  details.hidden = false;
}

logout.addEventListener("click", async () => {
  if (logout.getAttribute("aria-disabled") === "true") {
    return;
  }
  logout.setAttribute("aria-disabled", "true");
  const result = await postJson("/api/logout");
  if (result.ok || result.status === 401) {
    goToLogin("deconnexion");
    return;
  }
  logout.removeAttribute("aria-disabled");
  showErrorAlert(alert, result.message);
});

/** @param {unknown} value */
function text(value) {
  return typeof value === "string" ? value : "";
}

/** @param {string} role */
function roleLabel(role) {
  const key = role.toLowerCase();
  return Object.hasOwn(MESSAGES.roles, key) ? MESSAGES.roles[key] : role;
}
