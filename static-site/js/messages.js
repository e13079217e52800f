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
    guessable:
      "Ce mot de passe est trop courant ou trop facile à deviner : il se résume à un mot courant, un prénom, " +
      "une ville, une suite de touches ou un caractère répété, même entouré de chiffres ou de symboles. " +
      "Choisissez-en un autre.",
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

  // Référent area (SPEC §9): the API's texts, for the checks made before posting and for an answer
  // that came without its text.
  referentOnly: "Cette action est réservée aux référents de l'organisme.",
  agentNotFound: "Agent introuvable.",
  accountDisabled: "Votre compte a été désactivé. Contactez un référent de votre organisme.",
  lastNameRequired: "La saisie du nom est obligatoire.",
  firstNameRequired: "La saisie du prénom est obligatoire.",
  lastNameFormat:
    "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes (50 caractères au plus).",
  firstNameFormat:
    "Le prénom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes (50 caractères au plus).",
  emailAlreadyUsed: "Un agent de l'organisme utilise déjà cette adresse email.",
  alreadyActivated: "Ce compte est déjà activé : l'agent peut utiliser « Mot de passe oublié ».",
  cannotDisableSelf: "Vous ne pouvez pas désactiver votre propre compte.",
  lastReferent: "L'organisme doit garder au moins un référent actif.",

  // Référent area: the pages' own texts.
  agentStatuses: Object.freeze({
    pending: "en attente de première connexion",
    active: "actif",
    disabled: "désactivé",
  }),
  // « — » in a date column without a date; screen readers hear the words instead.
  never: "—",
  neverSpoken: "jamais",
  atTime: (time) => `à ${time}`,
  agentsCount: (shown, total) =>
    shown === total
      ? `${total} agent${total > 1 ? "s" : ""} dans l'organisme.`
      : `${shown} agent${shown > 1 ? "s" : ""} affiché${shown > 1 ? "s" : ""} sur ${total}.`,
  agentsNoMatch: "Aucun agent ne correspond à votre recherche.",
  agentName: (firstName, lastName) => `${firstName} ${lastName}`.trim(),
  // Visible labels of a row's buttons; screen readers hear the rest (the agent) after them.
  agentActions: Object.freeze({
    temporaryPassword: "Envoyer un nouveau mot de passe temporaire",
    disable: "Désactiver",
    enable: "Réactiver",
    ownAccount: "Votre compte",
  }),
  agentActionTargets: Object.freeze({
    temporaryPassword: (name) => ` à ${name}`,
    disable: (name) => ` le compte de ${name}`,
    enable: (name) => ` le compte de ${name}`,
  }),
  agentCreated: (name, identifier, email) =>
    `Le profil de ${name} est créé avec l'identifiant ${identifier}. ` +
    `Un email de bienvenue contenant son identifiant et un mot de passe temporaire a été envoyé à ${email}.`,
  temporaryPasswordSent: (name, email) =>
    `Un nouveau mot de passe temporaire a été envoyé à ${name} (${email}). Le précédent n'est plus valable.`,
  agentDisabled: (name) =>
    `Le compte de ${name} est désactivé : ses sessions sont fermées et il ne peut plus se connecter.`,
  agentEnabled: (name) => `Le compte de ${name} est réactivé.`,
  disableQuestion: (name, identifier) =>
    `Voulez-vous désactiver le compte de ${name} (identifiant ${identifier}) ? ` +
    "Ses sessions en cours seront fermées et il ne pourra plus se connecter tant que son compte ne sera pas réactivé.",
  journalActions: Object.freeze({
    account_created: "Compte créé",
    first_connection_completed: "Première connexion effectuée",
    password_reset: "Mot de passe réinitialisé",
    password_changed: "Mot de passe modifié",
    temporary_password_sent: "Mot de passe temporaire envoyé",
    disabled: "Compte désactivé",
    enabled: "Compte réactivé",
    identifier_blocked: "Identifiant bloqué",
  }),
  journalCount: (count) => `${count} événement${count > 1 ? "s" : ""} affiché${count > 1 ? "s" : ""}.`,
  journalEmpty: "Aucun événement n'est encore enregistré pour votre organisme.",

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
