// A DSFR modal written as a native <dialog> (instead of the DSFR core JS): showModal() makes the rest of
// the page inert, keeps the focus inside and closes on Escape; the focus goes back where it was.

const OPENED = "fr-modal--opened";

/**
 * @typedef {object} Modal
 * @property {(opener: HTMLElement | null) => void} open
 * @property {(focusTarget?: HTMLElement | null) => void} close
 * @property {() => boolean} isOpen
 */

/**
 * Wire the DSFR modal `dialog`: its close buttons (`closers`), a click on the backdrop, Escape.
 * `initialFocus` takes the focus when it opens (for a confirmation, the least harmful choice);
 * `onClose` runs whenever it closes, whatever the way.
 * @param {HTMLDialogElement} dialog
 * @param {HTMLElement[]} closers
 * @param {{initialFocus?: HTMLElement, onClose?: () => void}} [options]
 * @returns {Modal}
 */
export function setupModal(dialog, closers, { initialFocus, onClose } = {}) {
  /** @type {HTMLElement | null} */
  let returnTo = null;

  /** @param {HTMLElement | null} [focusTarget] where the focus goes once closed, instead of the opener */
  const close = (focusTarget) => {
    if (focusTarget !== undefined) {
      returnTo = focusTarget;
    }
    if (dialog.open) {
      dialog.close();
    }
  };

  dialog.addEventListener("close", () => {
    dialog.classList.remove(OPENED);
    document.documentElement.removeAttribute("data-cmi-modal-open");
    if (returnTo && returnTo.isConnected) {
      returnTo.focus();
    }
    returnTo = null;
    if (onClose) {
      onClose();
    }
  });
  for (const closer of closers) {
    closer.addEventListener("click", () => close());
  }
  // The DSFR modal fills the viewport: a click on it outside its body is a click on the backdrop.
  dialog.addEventListener("click", (event) => {
    const body = dialog.querySelector(".fr-modal__body");
    if (event.target instanceof Node && body && !body.contains(event.target)) {
      close();
    }
  });

  return {
    open(opener) {
      returnTo = opener;
      // Visible (DSFR class) before showModal(), or nothing in it could take the focus.
      dialog.classList.add(OPENED);
      document.documentElement.setAttribute("data-cmi-modal-open", "");
      dialog.showModal();
      if (initialFocus) {
        initialFocus.focus();
      }
    },
    close,
    isOpen: () => dialog.open,
  };
}
