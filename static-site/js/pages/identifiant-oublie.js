// Forgotten identifier: POST /api/forgot-identifier {email}.
import { MESSAGES } from "../messages.js";
import { setupRecoveryForm } from "../recovery.js";

// Deliberately loose: the API validates the address for real.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

setupRecoveryForm("email", "/api/forgot-identifier", (value) =>
  EMAIL.test(value) ? null : MESSAGES.emailRequiredValid,
);
