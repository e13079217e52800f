// Password reset from the mail link modification-mot-de-passe.html#token=...: POST /api/reset-password.
import { postJson } from "../api.js";
import { byId, focusAlert, hideAlert, markErrorTitle, showAlert } from "../dom.js";
import { checkWhileEditing, clearFieldErrors, onSubmit, showApiErrors, showFieldErrors } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupNewPasswordFields } from "../password.js";

const form = /** @type {HTMLFormElement} */ (byId("reset-form"));
const invalid = byId("reset-invalid");
const success = byId("reset-success");
const alert = byId("reset-alert");
const passwords = setupNewPasswordFields(form);
checkWhileEditing(form, passwords.validate);

// The token lives only in this variable: out of the address bar, history and web storage.
let token = new URLSearchParams(window.location.hash.slice(1)).get("token") || "";
if (window.location.hash) {
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
}
if (!token) {
  showInvalidLink(MESSAGES.resetLinkIncomplete);
}
// A mail link opened again in this tab only changes the fragment: start over with its token.
window.addEventListener("hashchange", () => window.location.reload());

onSubmit(form, async () => {
  clearFieldErrors(form);
  hideAlert(alert);
  const errors = passwords.validate();
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }

  const result = await postJson("/api/reset-password", { token, ...passwords.values() });
  if (result.ok && result.data && result.data.next === "login") {
    token = "";
    passwords.clear();
    form.hidden = true;
    showAlert(success, "");
    focusAlert(success);
    return;
  }
  if (result.errors && result.errors.token) {
    showInvalidLink(result.errors.token);
    return;
  }
  // A 400 without field errors is about the link itself (expired, used, superseded).
  if (result.status === 400 && !result.errors) {
    showInvalidLink(result.message || MESSAGES.resetLinkInvalid);
    return;
  }
  showApiErrors(form, alert, result);
});

/** @param {string} message */
function showInvalidLink(message) {
  token = "";
  form.hidden = true;
  showAlert(invalid, message);
  markErrorTitle(true);
  focusAlert(invalid);
}
