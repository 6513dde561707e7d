// tarjama review page. Article text is only ever set with textContent, never parsed as HTML.
(() => {
  "use strict";

  const index = document.getElementById("index");
  const view = document.getElementById("article");
  const pairs = document.getElementById("pairs");
  const filter = document.getElementById("flagged-only");
  const previous = document.getElementById("previous");
  const next = document.getElementById("next");
  const lowest = document.getElementById("lowest");
  const lowestPairs = document.getElementById("lowest-pairs");
  const scoreBelow = document.getElementById("score-below");
  const byScore = document.getElementById("by-score");
  const ranked = JSON.parse(document.getElementById("score-index").textContent); // [score, article, k], lowest first
  const parsed = new Map(); // article number -> its parsed JSON block
  const PAGE = 100; // sentences the lowest-first list adds at a time
  let current = null; // number of the open article, null on the index
  let shown = PAGE;

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

  function article(number) {
    if (!parsed.has(number)) {
      const block = document.getElementById("article-data-" + number);
      parsed.set(number, block ? JSON.parse(block.textContent) : null);
    }
    return parsed.get(number);
  }

  function label(sentence, k) {
    return sentence.paragraph === null || sentence.sentence === null
      ? String(k + 1)
      : sentence.paragraph + 1 + "." + (sentence.sentence + 1);
  }

  function scoreText(score) {
    return score === null || score === undefined ? "–" : score.toFixed(3);
  }

  // The cells both sentence tables share: Arabic, English, flags.
  function sides(sentence) {
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
    return [arabic, english, flags];
  }

  function scored(row, sentence) {
    row.dataset.score = sentence.score === null || sentence.score === undefined ? "" : String(sentence.score);
    if (sentence.flags.length) row.classList.add("flagged");
    return row;
  }

  function pairRow(sentence, k, sentences) {
    const row = scored(element("tr", "pair"), sentence);
    row.dataset.k = String(k);
    const before = sentences[k - 1];
    if (!before || before.paragraph !== sentence.paragraph) row.classList.add("paragraph-start");
    const number = element("td", "num", label(sentence, k));
    number.append(element("span", "score", scoreText(sentence.score)));
    row.append(number, ...sides(sentence));
    return row;
  }

  // A row of the lowest-first list: the score, a link to the sentence's article, the pair.
  function rankedRow(number, k) {
    const data = article(number);
    const sentence = data.sentences[k];
    const row = scored(element("tr", "pair"), sentence);
    const where = element("td", "num");
    const link = element("a", null, data.name + " " + label(sentence, k));
    link.href = "#a/" + number;
    where.append(link);
    row.append(element("td", "num score", scoreText(sentence.score)), where, ...sides(sentence));
    return row;
  }

  function threshold() {
    const value = parseFloat(scoreBelow.value);
    return Number.isFinite(value) ? value : null;
  }

  // With a threshold, only what scored below it shows: sentences, and articles whose
  // lowest score is below it. Unscored sentences are hidden too: no model vouched for them.
  function applyScoreFilter() {
    if (!lowest.hidden) showLowest();
    markBelow();
  }

  function markBelow() {
    const limit = threshold();
    document.body.classList.toggle("score-filter", limit !== null);
    const below = (value) => limit !== null && value !== "" && Number(value) < limit;
    document.querySelectorAll("tr.pair").forEach((row) => row.classList.toggle("below", below(row.dataset.score)));
    index.querySelectorAll("tr.doc").forEach((row) => row.classList.toggle("below", below(row.dataset.lowest)));
  }

  function sortPairs() {
    const rows = Array.from(pairs.rows);
    const score = (row) => (row.dataset.score === "" ? Infinity : Number(row.dataset.score));
    rows.sort(byScore.checked
      ? (a, b) => score(a) - score(b) || Number(a.dataset.k) - Number(b.dataset.k)
      : (a, b) => Number(a.dataset.k) - Number(b.dataset.k));
    pairs.append(...rows);
  }

  function showLowest() {
    const limit = threshold();
    const wanted = limit === null ? ranked : ranked.filter(([score]) => score < limit);
    const rows = document.createDocumentFragment();
    for (const [, number, k] of wanted.slice(0, shown)) rows.append(rankedRow(number, k));
    lowestPairs.replaceChildren(rows);
    document.getElementById("lowest-summary").textContent =
      "the " + Math.min(shown, wanted.length) + " lowest of " + wanted.length + " scored sentences" +
      (limit === null ? "" : " below " + limit);
    document.getElementById("more").hidden = shown >= wanted.length;
    markBelow();
    current = null;
    index.hidden = true;
    view.hidden = true;
    lowest.hidden = false;
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
    const data = article(number);
    current = number;
    document.getElementById("article-name").textContent = data.name;
    const flagged = data.sentences.filter((s) => s.flags.length).length;
    const scores = Object.entries(data.scores || {})
      .map(([metric, score]) => (metric === "bleu" ? "BLEU " : "chrF ") + score.toFixed(1));
    document.getElementById("article-summary").textContent =
      [data.sentences.length + " sentences", flagged + " flagged", ...scores].join(" · ");
    const rows = document.createDocumentFragment();
    data.sentences.forEach((sentence, k, all) => rows.append(pairRow(sentence, k, all)));
    pairs.replaceChildren(rows);
    sortPairs();
    applyScoreFilter();
    index.hidden = true;
    lowest.hidden = true;
    view.hidden = false;
    updateControls();
    window.scrollTo(0, 0);
  }

  function showIndex() {
    const last = current;
    current = null;
    pairs.replaceChildren();
    view.hidden = true;
    lowest.hidden = true;
    index.hidden = false;
    updateControls();
    const row = last === null ? null : index.querySelector('tr.doc[data-article="' + last + '"]');
    if (row) row.scrollIntoView({ block: "center" });
  }

  function route() {
    const match = /^#a\/(\d+)$/.exec(location.hash);
    if (match) open(Number(match[1]));
    else if (location.hash === "#lowest") {
      shown = PAGE;
      showLowest();
      window.scrollTo(0, 0);
    } else showIndex();
  }

  function linked(mark) {
    return mark.closest("tr").querySelectorAll('mark[data-link="' + mark.dataset.link + '"]');
  }

  function activate(mark) {
    const wasActive = mark.classList.contains("active");
    document.querySelectorAll("mark.active").forEach((node) => node.classList.remove("active"));
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

  for (const table of [pairs, lowestPairs]) {
    table.addEventListener("click", (event) => {
      const mark = event.target.closest("mark[data-link]");
      if (mark) activate(mark);
    });
    table.addEventListener("keydown", (event) => {
      if ((event.key === "Enter" || event.key === " ") && event.target.matches("mark[data-link]")) {
        event.preventDefault();
        activate(event.target);
      }
    });
    table.addEventListener("mouseover", (event) => hover(event, true));
    table.addEventListener("mouseout", (event) => hover(event, false));
  }
  scoreBelow.addEventListener("input", applyScoreFilter);
  byScore.addEventListener("change", sortPairs);
  document.getElementById("more").addEventListener("click", () => {
    shown += PAGE;
    showLowest();
  });
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
  applyScoreFilter();
  route();
})();
