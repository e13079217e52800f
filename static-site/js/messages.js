// Every French text the frontend scripts show, in one place.
// A text for a situation the API also answers is the API's own text (layers/common/cmi/messages.py),
// placeholders included; tests/unit/test_frontend_messages.py checks it. Quoted texts are verbatim
// from the user manual of the portal.

export const MESSAGES = Object.freeze({
  // Manual, verbatim.
  identifierRequired: "La saisie de l'identifiant est obligatoire.",
  passwordRequired: "La saisie du mot de passe est obligatoire.",
  emailRequiredValid: "La saisie de l'email est obligatoire et doit être une adresse email valide.",

  // New password (first connection and reset); {min} and {max} are the limits of js/password-policy.js.
  newPasswordRequired: "La saisie du nouveau mot de passe est obligatoire.",
  passwordTooLong: "Le mot de passe ne doit pas dépasser {max} caractères.",
  passwordRules: Object.freeze({
    length: "Le mot de passe doit comporter au moins {min} caractères.",
    upper: "Le mot de passe doit comporter au moins une lettre majuscule.",
    lower: "Le mot de passe doit comporter au moins une lettre minuscule.",
    special: "Le mot de passe doit comporter au moins un caractère spécial.",
  }),
  confirmationRequired: "La confirmation du mot de passe est obligatoire.",
  confirmationMismatch: "La confirmation doit être identique au nouveau mot de passe.",
  emailConfirmationRequired: "La confirmation de votre email est obligatoire.",
  emailConfirmationMismatch: "La confirmation doit être identique à votre adresse email.",
  resetLinkIncomplete: "Le lien de modification du mot de passe est incomplet.",
  resetLinkInvalid:
    "Ce lien de modification du mot de passe n'est plus valide : il a expiré, a déjà été utilisé " +
    "ou le mot de passe a été modifié depuis. Faites une nouvelle demande avec « Mot de passe oublié ».",

  // Reasons shown on the login page after a redirection (index.html?motif=...).
  loginReasons: Object.freeze({
    "session-expiree": "Votre session a expiré. Veuillez vous reconnecter.",
    deconnexion: "Vous êtes déconnecté(e) du portail.",
  }),

  // Home page.
  greeting: (firstName, lastName) => `Bonjour ${firstName} ${lastName}`.trim(),
  organisation: (name, code) => `${name} (code émetteur ${code})`,
  roles: Object.freeze({
    referent: "Référent",
    "référent": "Référent",
    profile: "Profil",
    profil: "Profil",
  }),

  // Transport and unexpected answers.
  network: "Le portail est injoignable. Vérifiez votre connexion internet puis réessayez.",
  throttled: (minutes) =>
    minutes > 0
      ? `Trop de tentatives. Veuillez réessayer dans ${minutes} minute${minutes > 1 ? "s" : ""}.`
      : "Trop de tentatives. Veuillez réessayer plus tard.",
  unavailable: "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
  unexpected: "Une erreur technique est survenue. Veuillez réessayer plus tard.",

  // Prefix of the document title while a form shows errors.
  errorTitlePrefix: "Erreur - ",
});

/**
 * `text` with its {name} placeholders replaced by `values`, as the API fills the same texts.
 * @param {string} text
 * @param {Record<string, string | number>} values
 */
export function fillIn(text, values) {
  return text.replace(/\{(\w+)\}/gu, (placeholder, name) =>
    Object.hasOwn(values, name) ? String(values[name]) : placeholder,
  );
}
