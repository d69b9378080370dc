// The one script of the public board page: suggests similar posts while a visitor types a title.
// Served as a file (the CSP allows script-src 'self' only); the page works without it.
export const SUGGEST_JS = `(() => {
  const form = document.querySelector("form[data-similar]");
  if (!form) return;
  const input = form.querySelector("input[name=title]");
  const list = document.getElementById("fb-similar");
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    timer = setTimeout(async () => {
      list.replaceChildren();
      if (q.length < 3) return;
      const res = await fetch(form.dataset.similar + "?q=" + encodeURIComponent(q), { credentials: "same-origin" });
      if (!res.ok) return;
      const { data } = await res.json();
      for (const p of data) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = new URL(p.url).pathname;
        a.textContent = p.title;
        li.append(a, " (" + p.voteCount + " votes)");
        list.append(li);
      }
      list.previousElementSibling.hidden = data.length === 0;
    }, 250);
  });
})();
`;
