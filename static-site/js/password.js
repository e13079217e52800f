// DSFR password component: show/hide toggle (instead of the 17 KB gzip DSFR core JS) and the
// live rules of a new password, shared by the first connection and the reset pages.
import { MESSAGES } from "./messages.js";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// The rules of the manual; the API checks the others (common passwords, identifier, names).
/** @type {Record<string, (value: string) => boolean>} */
const RULES = {
  length: (value) => [...value].length >= PASSWORD_MIN_LENGTH,
  upper: (value) => /\p{Lu}/u.test(value),
  lower: (value) => /\p{Ll}/u.test(value),
  special: (value) => /[^\p{L}\p{N}]/u.test(value),
};

const MESSAGE_STATES = ["fr-message--info", "fr-message--valid", "fr-message--error"];

/** Wire every `.fr-password` show/hide checkbox (and the caps lock hint) under `root`. */
export function setupPasswordToggles(root = document) {
  for (const box of root.querySelectorAll(".fr-password")) {
    const input = box.querySelector(".fr-password__input");
    const toggle = box.querySelector(".fr-password__checkbox input[type='checkbox']");
    if (!(input instanceof HTMLInputElement) || !(toggle instanceof HTMLInputElement)) {
      continue;
    }
    toggle.checked = false;
    toggle.addEventListener("change", () => {
      input.type = toggle.checked ? "text" : "password";
    });
    const wrap = input.parentElement;
    /** @param {KeyboardEvent} event */
    const capsLock = (event) => {
      if (wrap && typeof event.getModifierState === "function") {
        wrap.toggleAttribute("data-fr-capslock", event.getModifierState("CapsLock"));
      }
    };
    input.addEventListener("keydown", capsLock);
    input.addEventListener("keyup", capsLock);
    input.addEventListener("blur", () => wrap && wrap.removeAttribute("data-fr-capslock"));
  }
}

/** Hide every revealed password again (before leaving the page or after success). */
export function hidePasswords(root = document) {
  for (const box of root.querySelectorAll(".fr-password")) {
    const input = box.querySelector(".fr-password__input");
    const toggle = box.querySelector(".fr-password__checkbox input[type='checkbox']");
    if (input instanceof HTMLInputElement) {
      input.type = "password";
    }
    if (toggle instanceof HTMLInputElement) {
      toggle.checked = false;
    }
  }
}

/**
 * Names of the manual's rules `value` does not meet.
 * @param {string} value
 */
export function unmetRules(value) {
  return Object.keys(RULES).filter((rule) => !RULES[rule](value));
}

/**
 * French error for a new password, or null when the manual's rules are met.
 * @param {string} value
 */
export function newPasswordError(value) {
  if (!value) {
    return MESSAGES.newPasswordRequired;
  }
  if ([...value].length > PASSWORD_MAX_LENGTH) {
    return MESSAGES.passwordTooLong;
  }
  const unmet = unmetRules(value);
  return unmet.length ? unmet.map((rule) => MESSAGES.passwordRules[rule]).join(" ") : null;
}

/**
 * Tick the rules listed in `list` (`[data-rule]` DSFR messages) as the person types in `input`.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} list
 * @returns {{ render: (strict: boolean) => void }} strict: an unmet rule shows as an error.
 */
export function setupPasswordRules(input, list) {
  const items = [...list.querySelectorAll("[data-rule]")];
  /** @param {boolean} strict */
  const render = (strict) => {
    const value = input.value;
    for (const item of items) {
      const rule = item instanceof HTMLElement ? item.dataset.rule : undefined;
      if (!rule || !(rule in RULES)) {
        continue;
      }
      let state = "fr-message--info";
      if (RULES[rule](value)) {
        state = "fr-message--valid";
      } else if (strict) {
        state = "fr-message--error";
      }
      if (!item.classList.contains(state)) {
        item.classList.remove(...MESSAGE_STATES);
        item.classList.add(state);
      }
    }
  };
  input.addEventListener("input", () => render(false));
  render(false);
  return { render };
}

/**
 * The « Nouveau mot de passe » + « Confirmation du mot de passe » pair of partials/new-password.html.
 * @param {HTMLFormElement} form
 */
export function setupNewPasswordFields(form) {
  const input = /** @type {HTMLInputElement} */ (form.querySelector("#new_password"));
  const confirmation = /** @type {HTMLInputElement} */ (form.querySelector("#password_confirmation"));
  const rules = setupPasswordRules(input, /** @type {HTMLElement} */ (form.querySelector("#new_password-rules")));
  setupPasswordToggles(form);
  return {
    values: () => ({ new_password: input.value, password_confirmation: confirmation.value }),
    /** Client-side errors by API field name, without a round trip. */
    validate: () => {
      /** @type {Record<string, string>} */
      const errors = {};
      const error = newPasswordError(input.value);
      if (error) {
        errors.new_password = error;
      }
      if (!confirmation.value) {
        errors.password_confirmation = MESSAGES.confirmationRequired;
      } else if (confirmation.value !== input.value) {
        errors.password_confirmation = MESSAGES.confirmationMismatch;
      }
      rules.render(Boolean(input.value));
      return errors;
    },
    clear: () => {
      input.value = "";
      confirmation.value = "";
      hidePasswords(form);
      rules.render(false);
    },
  };
}
