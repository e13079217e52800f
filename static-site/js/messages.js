// Every French text the frontend scripts show, in one place.
// Quoted texts are verbatim from the user manual of the portal; the others match the API catalog.

export const MESSAGES = Object.freeze({
  // Manual, verbatim.
  identifierRequired: "La saisie de l'identifiant est obligatoire.",
  passwordRequired: "La saisie du mot de passe est obligatoire.",
  emailRequiredValid: "La saisie de l'email est obligatoire et doit être une adresse email valide.",

  // New password (first connection and reset).
  newPasswordRequired: "La saisie du nouveau mot de passe est obligatoire.",
  passwordTooLong: "Le mot de passe ne doit pas dépasser 128 caractères.",
  passwordRules: Object.freeze({
    length: "Le mot de passe doit comporter au moins 8 caractères.",
    upper: "Le mot de passe doit comporter au moins une lettre majuscule.",
    lower: "Le mot de passe doit comporter au moins une lettre minuscule.",
    special: "Le mot de passe doit comporter au moins un caractère spécial.",
  }),
  confirmationRequired: "La confirmation du mot de passe est obligatoire.",
  confirmationMismatch: "La confirmation doit être identique au nouveau mot de passe.",
  emailConfirmationRequired: "La confirmation de votre email est obligatoire.",
  emailConfirmationMismatch: "La confirmation doit être identique à votre adresse email.",
  resetLinkInvalid:
    "Ce lien de modification du mot de passe n'est pas valide : il est incomplet, a expiré ou a déjà été utilisé. " +
    "Faites une nouvelle demande avec « Mot de passe oublié ».",

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
