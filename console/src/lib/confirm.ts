/**
 * Asks before an action that emails people or cannot be undone. A native modal <dialog>:
 * focus moves into it (to Cancel, the safe choice), Escape cancels, and it is named and
 * described by its own title and text for screen readers.
 */
export type ConfirmOptions = {
  title: string;
  /** What will happen, in a sentence or two: who is emailed, what is lost. */
  body: string;
  /** The button that goes ahead: a verb ("Revoke", "Publish and notify"). */
  action: string;
};

let dialog: HTMLDialogElement | undefined;

function build(): HTMLDialogElement {
  const d = document.createElement("dialog");
  d.className = "confirm";
  d.setAttribute("aria-labelledby", "confirm-title");
  d.setAttribute("aria-describedby", "confirm-body");
  d.innerHTML = `<form method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-body"></p>
    <p class="confirm-actions">
      <button type="submit" value="cancel" class="secondary" autofocus>Cancel</button>
      <button type="submit" value="confirm" id="confirm-go"></button>
    </p>
  </form>`;
  document.body.append(d);
  return d;
}

export function confirmAction(opts: ConfirmOptions): Promise<boolean> {
  dialog ??= build();
  const d = dialog;
  (d.querySelector("#confirm-title") as HTMLElement).textContent = opts.title;
  (d.querySelector("#confirm-body") as HTMLElement).textContent = opts.body;
  (d.querySelector("#confirm-go") as HTMLElement).textContent = opts.action;
  d.returnValue = "cancel";
  d.showModal();
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "confirm"), { once: true });
  });
}
