// First connection (creation-compte.html): GET then POST /api/first-connection.
import { NEXT_PAGES, goToLogin, loadProtected, postJson } from "../api.js";
import { byId, hideAlert } from "../dom.js";
import { checkWhileEditing, clearFieldErrors, onSubmit, showApiErrors, showFieldErrors, trimmedValue } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupNewPasswordFields } from "../password.js";

const form = /** @type {HTMLFormElement} */ (byId("account-form"));
const alert = byId("account-alert");
const loading = byId("account-loading");
const optIn = /** @type {HTMLInputElement} */ (byId("alerts_opt_in"));
const passwords = setupNewPasswordFields(form);
let emailOnFile = "";

loadAccount();
checkWhileEditing(form, checkAccount);

async function loadAccount() {
  const account = await loadProtected("/api/first-connection", alert, loading);
  if (!account) {
    return;
  }
  for (const field of ["last_name", "first_name", "identifier", "email"]) {
    /** @type {HTMLInputElement} */ (byId(field)).value = typeof account[field] === "string" ? account[field] : "";
  }
  emailOnFile = typeof account.email === "string" ? account.email.trim() : "";
  form.hidden = false;
}

onSubmit(form, async () => {
  clearFieldErrors(form);
  hideAlert(alert);
  const emailConfirmation = trimmedValue("email_confirmation");
  const errors = checkAccount();
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }

  const result = await postJson("/api/first-connection", {
    ...passwords.values(),
    email_confirmation: emailConfirmation,
    alerts_opt_in: optIn.checked,
  });
  if (result.ok && result.data && result.data.next === "home") {
    passwords.clear();
    window.location.assign(NEXT_PAGES.home);
    return;
  }
  if (result.status === 401) {
    goToLogin("session-expiree");
    return;
  }
  showApiErrors(form, alert, result);
});

/** The checks made before posting (the API makes them again), by field. */
function checkAccount() {
  const emailConfirmation = trimmedValue("email_confirmation");
  const errors = passwords.validate();
  if (!emailConfirmation) {
    errors.email_confirmation = MESSAGES.emailConfirmationRequired;
  } else if (emailConfirmation.toLowerCase() !== emailOnFile.toLowerCase()) {
    errors.email_confirmation = MESSAGES.emailConfirmationMismatch;
  }
  return errors;
}
