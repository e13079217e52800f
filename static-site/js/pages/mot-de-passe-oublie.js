// Forgotten password: POST /api/forgot-password {identifier}.
import { byId } from "../dom.js";
import { checkWhileEditing, fieldChecks } from "../form.js";
import { MESSAGES } from "../messages.js";
import { setupRecoveryForm } from "../recovery.js";

/** @param {string} value */
const check = (value) => (value ? null : MESSAGES.identifierRequired);

setupRecoveryForm("identifier", "/api/forgot-password", check);
checkWhileEditing(/** @type {HTMLFormElement} */ (byId("forgot-form")), fieldChecks({ identifier: check }));
