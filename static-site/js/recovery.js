// The two recovery forms (forgotten identifier, forgotten password): one field, one POST,
// and the same answer whether or not an account matches.
import { postJson } from "./api.js";
import { byId, focusAlert, hideAlert, showAlert } from "./dom.js";
import { clearFieldErrors, onSubmit, showApiErrors, showFieldErrors, trimmedValue } from "./form.js";
import { MESSAGES } from "./messages.js";

/**
 * @param {string} field API field name, also the id of the input.
 * @param {string} path API route.
 * @param {(value: string) => string | null} check French error for the value, or null.
 */
export function setupRecoveryForm(field, path, check) {
  const form = /** @type {HTMLFormElement} */ (byId("forgot-form"));
  const alert = byId("forgot-alert");
  const success = byId("forgot-success");
  const done = byId("forgot-done");

  onSubmit(form, async () => {
    clearFieldErrors(form);
    hideAlert(alert);
    const value = trimmedValue(field);
    const error = check(value);
    if (error) {
      showFieldErrors(form, { [field]: error });
      return;
    }
    const result = await postJson(path, { [field]: value });
    if (result.ok) {
      form.hidden = true;
      done.hidden = false;
      showAlert(success, result.message || MESSAGES.unexpected);
      focusAlert(success);
      return;
    }
    showApiErrors(form, alert, result);
  });
}
