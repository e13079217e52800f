// Login page (index.html): POST /api/login, then the page the API names.
import { NEXT_PAGES, failureText, postJson } from "../api.js";
import { byId, hideAlert, showAlert } from "../dom.js";
import { checkWhileEditing, clearFieldErrors, onSubmit, showApiErrors, showFieldErrors, trimmedValue } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupPasswordToggles } from "../password.js";

const form = /** @type {HTMLFormElement} */ (byId("login-form"));
const password = /** @type {HTMLInputElement} */ (byId("password"));
const alert = byId("login-alert");
const notice = byId("login-notice");

setupPasswordToggles(form);
showRedirectReason();
checkWhileEditing(form, missingFields);

onSubmit(form, async () => {
  clearFieldErrors(form);
  hideAlert(alert);
  hideAlert(notice);
  const identifier = trimmedValue("identifier");
  const missing = missingFields();
  if (Object.keys(missing).length) {
    showFieldErrors(form, missing);
    return;
  }

  const result = await postJson("/api/login", { identifier, password: password.value });
  const next = result.ok && result.data ? NEXT_PAGES[result.data.next] : undefined;
  if (next) {
    window.location.assign(next);
    return;
  }
  // 403: a disabled account, with the right password (SPEC §9).
  const refused =
    result.status === 403 ? { ...result, message: failureText(result, { 403: MESSAGES.accountDisabled }) } : result;
  showApiErrors(form, alert, refused);
  if (result.status === 401 || result.status === 403) {
    password.value = "";
  }
});

/** The manual's messages for the fields left empty. */
function missingFields() {
  /** @type {Record<string, string>} */
  const missing = {};
  if (!trimmedValue("identifier")) {
    missing.identifier = MESSAGES.identifierRequired;
  }
  if (!password.value) {
    missing.password = MESSAGES.passwordRequired;
  }
  return missing;
}

// index.html?motif=... : a known reason only, never text taken from the address.
function showRedirectReason() {
  const params = new URLSearchParams(window.location.search);
  const reason = params.get("motif");
  if (reason === null) {
    return;
  }
  const text = Object.hasOwn(MESSAGES.loginReasons, reason) ? MESSAGES.loginReasons[reason] : null;
  if (text) {
    showAlert(notice, text);
  }
  window.history.replaceState(null, "", window.location.pathname);
}
