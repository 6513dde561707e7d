// tarjama review page. Article text is only ever set with textContent, never parsed as HTML.
(() => {
  "use strict";

  const index = document.getElementById("index");
  const view = document.getElementById("article");
  const pairs = document.getElementById("pairs");
  const filter = document.getElementById("flagged-only");
  const previous = document.getElementById("previous");
  const next = document.getElementById("next");
  let current = null; // number of the open article, null on the index

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Highlights of one side ("source_span" or "target_span") of a sentence; the same link
  // key on both sides ties a name or quotation to its counterpart.
  function highlights(sentence, side) {
    const found = [];
    (sentence.quotes || []).forEach((quote, k) => {
      const span = quote[side];
      if (!span) return;
      const matched = Boolean(quote.target_span);
      found.push({
        start: span[0], end: span[1], link: "q" + k,
        className: matched ? "quote" : "quote missing",
        title: matched ? "quotation" : "quotation with no counterpart in the English",
      });
    });
    (sentence.names || []).forEach((name, k) => {
      const span = name[side];
      if (!span) return;
      found.push({
        start: span[0], end: span[1], link: "n" + k,
        className: name.found ? "name" : "name missing",
        title: name.found
          ? "name: " + (name.english || name.source)
          : "name not found in the English" + (name.english ? "; expected: " + name.english : ""),
      });
    });
    return found;
  }

  // Text with its highlights as nested <mark>s (a name inside a quotation); a span that
  // crosses one already open is left out rather than drawn wrong.
  function fill(cell, text, spans) {
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const stack = [{ node: cell, end: text.length }];
    let position = 0;
    const close = () => {
      const top = stack.pop();
      top.node.append(text.slice(position, top.end));
      position = top.end;
    };
    for (const span of spans) {
      while (stack.length > 1 && stack[stack.length - 1].end <= span.start) close();
      const parent = stack[stack.length - 1];
      if (span.start < position || span.end > parent.end) continue;
      parent.node.append(text.slice(position, span.start));
      position = span.start;
      const mark = element("mark", span.className);
      mark.dataset.link = span.link;
      mark.title = span.title;
      mark.tabIndex = 0;
      parent.node.append(mark);
      stack.push({ node: mark, end: span.end });
    }
    while (stack.length) close();
  }

  function pairRow(sentence, k, sentences) {
    const row = element("tr", "pair");
    const before = sentences[k - 1];
    if (!before || before.paragraph !== sentence.paragraph) row.classList.add("paragraph-start");
    if (sentence.flags.length) row.classList.add("flagged");
    const label = sentence.paragraph === null || sentence.sentence === null
      ? String(k + 1)
      : sentence.paragraph + 1 + "." + (sentence.sentence + 1);
    const arabic = element("td", "ar");
    arabic.dir = "rtl";
    arabic.lang = "ar";
    fill(arabic, sentence.source, highlights(sentence, "source_span"));
    const english = element("td", "en");
    english.dir = "ltr";
    english.lang = "en";
    fill(english, sentence.translation, highlights(sentence, "target_span"));
    const flags = element("td", "flags");
    for (const flag of sentence.flags) {
      const badge = element("span", "flag", flag);
      badge.dataset.flag = flag;
      flags.append(badge);
    }
    row.append(element("td", "num", label), arabic, english, flags);
    return row;
  }

  // Articles in the index's current order (it can be sorted), as the filter shows them.
  function neighbour(direction) {
    const rows = Array.from(index.querySelectorAll("tr.doc.done"))
      .filter((row) => !filter.checked || row.classList.contains("flagged"));
    const at = rows.findIndex((row) => row.dataset.article === String(current));
    return (at === -1 ? (direction > 0 ? rows[0] : undefined) : rows[at + direction]) || null;
  }

  function updateControls() {
    previous.disabled = current === null || !neighbour(-1);
    next.disabled = current === null || !neighbour(1);
    document.getElementById("nothing-flagged").hidden =
      !(filter.checked && current !== null && !pairs.querySelector("tr.flagged"));
  }

  function open(number) {
    const block = document.getElementById("article-data-" + number);
    const row = index.querySelector('tr.doc.done[data-article="' + number + '"]');
    if (!block || !row) return showIndex();
    // Parsed on opening, and only this article's rows are built: the page stays light
    // however many articles the folder holds.
    const article = JSON.parse(block.textContent);
    current = number;
    document.getElementById("article-name").textContent = article.name;
    const flagged = article.sentences.filter((s) => s.flags.length).length;
    const scores = Object.entries(article.scores || {})
      .map(([metric, score]) => (metric === "bleu" ? "BLEU " : "chrF ") + score.toFixed(1));
    document.getElementById("article-summary").textContent =
      [article.sentences.length + " sentences", flagged + " flagged", ...scores].join(" · ");
    const rows = document.createDocumentFragment();
    article.sentences.forEach((sentence, k, all) => rows.append(pairRow(sentence, k, all)));
    pairs.replaceChildren(rows);
    index.hidden = true;
    view.hidden = false;
    updateControls();
    window.scrollTo(0, 0);
  }

  function showIndex() {
    const last = current;
    current = null;
    pairs.replaceChildren();
    view.hidden = true;
    index.hidden = false;
    updateControls();
    const row = last === null ? null : index.querySelector('tr.doc[data-article="' + last + '"]');
    if (row) row.scrollIntoView({ block: "center" });
  }

  function route() {
    const match = /^#a\/(\d+)$/.exec(location.hash);
    if (match) open(Number(match[1]));
    else showIndex();
  }

  function linked(mark) {
    return mark.closest("tr").querySelectorAll('mark[data-link="' + mark.dataset.link + '"]');
  }

  function activate(mark) {
    const wasActive = mark.classList.contains("active");
    pairs.querySelectorAll("mark.active").forEach((node) => node.classList.remove("active"));
    if (!wasActive) linked(mark).forEach((node) => node.classList.add("active"));
  }

  function hover(event, on) {
    const mark = event.target.closest("mark[data-link]");
    if (mark) linked(mark).forEach((node) => node.classList.toggle("hover", on));
  }

  function sortBy(button) {
    const column = Number(button.dataset.sort);
    const numeric = button.dataset.kind === "number";
    const ascending = button.dataset.order !== "ascending";
    button.dataset.order = ascending ? "ascending" : "descending";
    const body = index.querySelector("tbody");
    const value = (row) => row.cells[column].dataset.value;
    const rows = Array.from(body.rows).sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === "" || y === "") return (x === "") - (y === ""); // no score: always last
      const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    body.append(...rows);
  }

  pairs.addEventListener("click", (event) => {
    const mark = event.target.closest("mark[data-link]");
    if (mark) activate(mark);
  });
  pairs.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && event.target.matches("mark[data-link]")) {
      event.preventDefault();
      activate(event.target);
    }
  });
  pairs.addEventListener("mouseover", (event) => hover(event, true));
  pairs.addEventListener("mouseout", (event) => hover(event, false));
  previous.addEventListener("click", () => {
    const row = neighbour(-1);
    if (row) location.hash = "#a/" + row.dataset.article;
  });
  next.addEventListener("click", () => {
    const row = neighbour(1);
    if (row) location.hash = "#a/" + row.dataset.article;
  });
  document.querySelectorAll("th button[data-sort]").forEach((button) => {
    button.addEventListener("click", () => sortBy(button));
  });
  const applyFilter = () => {
    document.body.classList.toggle("flagged-only", filter.checked);
    updateControls();
  };
  filter.addEventListener("change", applyFilter);
  window.addEventListener("hashchange", route);
  applyFilter();
  route();
})();
