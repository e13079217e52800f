// Forgotten identifier: POST /api/forgot-identifier {email}.
import { byId } from "../dom.js";
import { checkWhileEditing, fieldChecks } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupRecoveryForm } from "../recovery.js";

// Deliberately loose: the API validates the address for real.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** @param {string} value */
const check = (value) => (EMAIL.test(value) ? null : MESSAGES.emailRequiredValid);

setupRecoveryForm("email", "/api/forgot-identifier", check);
checkWhileEditing(/** @type {HTMLFormElement} */ (byId("forgot-form")), fieldChecks({ email: check }));
