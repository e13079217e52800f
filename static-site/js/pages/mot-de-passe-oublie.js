// Forgotten password: POST /api/forgot-password {identifier}.
import { MESSAGES } from "../messages.js";
import { setupRecoveryForm } from "../recovery.js";

setupRecoveryForm("identifier", "/api/forgot-password", (value) => (value ? null : MESSAGES.identifierRequired));
