"""Every French text the API sends to a person, in one place.

Quoted texts come verbatim from the user manual of the portal.
"""

from typing import Final

# Manual, verbatim.
IDENTIFIER_REQUIRED: Final = "La saisie de l'identifiant est obligatoire."
PASSWORD_REQUIRED: Final = "La saisie du mot de passe est obligatoire."
EMAIL_REQUIRED_VALID: Final = "La saisie de l'email est obligatoire et doit être une adresse email valide."
BAD_CREDENTIALS: Final = "Identifiant ou mot de passe incorrect."

IDENTIFIER_FORMAT: Final = (
    "L'identifiant est composé du code émetteur de l'organisme (5 caractères) "
    "suivi d'un identifiant alphanumérique (15 caractères au maximum)."
)
TEMPORARY_PASSWORD_EXPIRED: Final = (
    "Votre mot de passe temporaire a expiré. Cliquez sur « Mot de passe oublié » "
    "pour recevoir par email un lien de création de mot de passe."
)
THROTTLED: Final = "Trop de tentatives de connexion. Veuillez réessayer dans {minutes} minute{plural}."
BLOCKED: Final = (
    "Votre identifiant est bloqué après {count} tentatives de connexion infructueuses. "
    "Cliquez sur « Mot de passe oublié » pour le débloquer en choisissant un nouveau mot de passe."
)
NOT_AUTHENTICATED: Final = "Votre session a expiré ou vous n'êtes pas connecté. Veuillez vous connecter."
FIRST_CONNECTION_EXPIRED: Final = (
    "Le délai de création de votre compte a expiré. Veuillez vous connecter de nouveau "
    "avec votre identifiant et votre mot de passe temporaire."
)

# Password policy (manual: 8 characters, one uppercase, one lowercase, one special character).
PASSWORD_TOO_SHORT: Final = "Le mot de passe doit comporter au moins {min} caractères."
PASSWORD_TOO_LONG: Final = "Le mot de passe ne doit pas dépasser {max} caractères."
PASSWORD_NO_UPPER: Final = "Le mot de passe doit comporter au moins une lettre majuscule."
PASSWORD_NO_LOWER: Final = "Le mot de passe doit comporter au moins une lettre minuscule."
PASSWORD_NO_SPECIAL: Final = "Le mot de passe doit comporter au moins un caractère spécial."
PASSWORD_GUESSABLE: Final = (
    "Ce mot de passe est trop courant ou trop facile à deviner : il se résume à un mot courant, un prénom, "
    "une ville, une suite de touches ou un caractère répété, même entouré de chiffres ou de symboles. "
    "Choisissez-en un autre."
)
PASSWORD_CONTAINS_IDENTIFIER: Final = "Le mot de passe ne doit pas contenir votre identifiant."
PASSWORD_CONTAINS_NAME: Final = "Le mot de passe ne doit pas contenir votre nom ou votre prénom."
PASSWORD_SAME_AS_TEMPORARY: Final = "Le nouveau mot de passe doit être différent du mot de passe temporaire."
PASSWORD_SAME_AS_CURRENT: Final = "Le nouveau mot de passe doit être différent de l'actuel."
NEW_PASSWORD_REQUIRED: Final = "La saisie du nouveau mot de passe est obligatoire."
CONFIRMATION_REQUIRED: Final = "La confirmation du mot de passe est obligatoire."
CONFIRMATION_MISMATCH: Final = "La confirmation doit être identique au nouveau mot de passe."
EMAIL_CONFIRMATION_REQUIRED: Final = "La confirmation de votre email est obligatoire."
EMAIL_CONFIRMATION_MISMATCH: Final = "La confirmation doit être identique à votre adresse email."

# Recovery.
FORGOT_IDENTIFIER_SENT: Final = (
    "Si un compte correspond à cette adresse email, un courriel contenant votre identifiant vient de vous être envoyé."
)
FORGOT_PASSWORD_SENT: Final = (
    "Si cet identifiant correspond à un compte, un courriel contenant un lien de modification "
    "du mot de passe vient d'être envoyé à l'adresse associée."
)
RESET_LINK_INVALID: Final = (
    "Ce lien de modification du mot de passe n'est plus valide : il a expiré, a déjà été utilisé "
    "ou le mot de passe a été modifié depuis. Faites une nouvelle demande avec « Mot de passe oublié »."
)
TOKEN_REQUIRED: Final = "Le lien de modification du mot de passe est incomplet."

# Request shape (malformed input never gets a 5xx).
BODY_NOT_JSON: Final = "Le corps de la requête doit être un objet JSON valide."
BODY_TOO_LARGE: Final = "La requête est trop volumineuse."
CONTENT_TYPE_JSON: Final = "La requête doit être envoyée au format JSON (Content-Type: application/json)."
ORIGIN_REFUSED: Final = "Requête refusée : elle ne provient pas du portail."
UNKNOWN_FIELD: Final = "Ce champ n'est pas attendu."
WRONG_TYPE_TEXT: Final = "Ce champ doit être une chaîne de caractères."
WRONG_TYPE_BOOLEAN: Final = "Ce champ doit valoir true ou false."
FIELD_TOO_LONG: Final = "Ce champ est trop long."
INVALID_VALUE: Final = "La valeur saisie n'est pas valide."
NOT_FOUND: Final = "Cette adresse n'existe pas."
METHOD_NOT_ALLOWED: Final = "Cette méthode n'est pas autorisée pour cette adresse."
UNAVAILABLE: Final = "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants."
INTERNAL_ERROR: Final = "Une erreur technique est survenue. Veuillez réessayer plus tard."

# Référents and their organisation's agents (SPEC §9).
REFERENT_ONLY: Final = "Cette action est réservée aux référents de l'organisme."
AGENT_NOT_FOUND: Final = "Agent introuvable."
ACCOUNT_DISABLED: Final = "Votre compte a été désactivé. Contactez un référent de votre organisme."
LAST_NAME_REQUIRED: Final = "La saisie du nom est obligatoire."
FIRST_NAME_REQUIRED: Final = "La saisie du prénom est obligatoire."
LAST_NAME_FORMAT: Final = (
    "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes (50 caractères au plus)."
)
FIRST_NAME_FORMAT: Final = (
    "Le prénom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes (50 caractères au plus)."
)
EMAIL_ALREADY_USED: Final = "Un agent de l'organisme utilise déjà cette adresse email."
ALREADY_ACTIVATED: Final = "Ce compte est déjà activé : l'agent peut utiliser « Mot de passe oublié »."
CANNOT_DISABLE_SELF: Final = "Vous ne pouvez pas désactiver votre propre compte."
LAST_REFERENT: Final = "L'organisme doit garder au moins un référent actif."
CURSOR_INVALID: Final = "Le curseur de pagination n'est pas valide : rechargez la liste."
CHANGED_MEANWHILE: Final = "Ce compte vient d'être modifié par ailleurs : rechargez la liste et réessayez."
