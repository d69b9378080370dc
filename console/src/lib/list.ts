/**
 * One way for every console list: a table filled page by page from the API's `nextCursor`
 * ("Load more"), with loading, empty and error states that look different, and an error that
 * says what went wrong with a Retry button instead of an empty table.
 */
import { esc, problemText } from "./api";

export type ListPage<T> = { data: T[]; nextCursor?: string | null };
type Item<P> = P extends ListPage<infer T> ? T : never;

export type ListOptions<P extends ListPage<unknown>> = {
  /** The table's body; rows go here. */
  body: HTMLElement;
  /** One page of the list: the first when `cursor` is null. Lists without paging ignore it. */
  load: (cursor: string | null) => Promise<P>;
  /** One `<tr>` of escaped HTML. */
  row: (item: Item<P>) => string;
  /** What an empty list says (escaped here). */
  empty: string;
  /** Called with each page as it arrives, for summaries beside the table. */
  onPage?: (page: P, items: Item<P>[]) => void;
};

export type List<T> = {
  /** Loads the first page again (filters changed, something was saved). */
  reload(): Promise<void>;
  /** Every item shown so far. */
  items(): T[];
};

const h = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}) =>
  Object.assign(document.createElement(tag), props);

export function list<P extends ListPage<unknown>>(opts: ListOptions<P>): List<Item<P>> {
  type T = Item<P>;
  const table = opts.body.closest("table") as HTMLTableElement;
  const frame = (table.parentElement?.classList.contains("table-scroll") ? table.parentElement : table) as HTMLElement;
  const columns = table.querySelectorAll("thead th").length || 1;
  const error = h("div", { className: "list-error", hidden: true });
  error.setAttribute("role", "alert");
  const message = h("p");
  const retry = h("button", { type: "button", className: "secondary", textContent: "Retry" });
  error.append(message, retry);
  const more = h("button", {
    type: "button",
    className: "secondary list-more",
    textContent: "Load more",
    hidden: true,
  });
  frame.after(error, more);

  let items: T[] = [];
  let cursor: string | null = null;
  let generation = 0;
  let pending: (() => Promise<void>) | null = null;

  const state = (s: "loading" | "empty" | "error" | "ready") => {
    frame.dataset.state = s;
    table.setAttribute("aria-busy", String(s === "loading"));
  };
  const note = (cls: string, text: string) =>
    `<tr class="list-note"><td colspan="${columns}" class="${cls}">${esc(text)}</td></tr>`;

  async function fetchPage(append: boolean) {
    const mine = ++generation;
    error.hidden = true;
    more.disabled = true;
    if (append) more.textContent = "Loading…";
    else {
      frame.hidden = false;
      more.hidden = true;
      opts.body.innerHTML = note("muted", "Loading…");
      state("loading");
    }
    try {
      const page = await opts.load(append ? cursor : null);
      if (mine !== generation) return; // a newer load (other filters) replaced this one
      const data = page.data as T[];
      items = append ? [...items, ...data] : data;
      cursor = page.nextCursor ?? null;
      const rows = data.map(opts.row).join("");
      if (append) opts.body.insertAdjacentHTML("beforeend", rows);
      else opts.body.innerHTML = rows || note("muted", opts.empty);
      state(items.length ? "ready" : "empty");
      more.hidden = !cursor;
      opts.onPage?.(page, items);
    } catch (e) {
      if (mine !== generation) return;
      message.textContent = `Could not load this list: ${problemText(e)}`;
      error.hidden = false;
      pending = () => fetchPage(append);
      if (!append) {
        // Never an empty table that looks like "nothing here": the table goes, the error stays.
        frame.hidden = true;
        opts.body.innerHTML = "";
        state("error");
      }
    } finally {
      if (mine === generation) {
        more.disabled = false;
        more.textContent = "Load more";
      }
    }
  }

  retry.addEventListener("click", () => void pending?.());
  more.addEventListener("click", () => void fetchPage(true));
  return { reload: () => fetchPage(false), items: () => items };
}

/**
 * A list's query from its filter form: each named field (left out when empty), `limit` and the
 * cursor. Field values are the form's options; the API refuses anything else with a problem.
 */
export function formQuery<Q>(form: HTMLFormElement, names: Array<keyof Q & string>, cursor: string | null, limit = 50) {
  const data = new FormData(form);
  const query: Record<string, unknown> = { limit, cursor: cursor ?? undefined };
  for (const name of names) query[name] = String(data.get(name) ?? "").trim() || undefined;
  return query as Q;
}
