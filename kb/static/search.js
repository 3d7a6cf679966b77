// Search as you type: results appear under any help-center search box while the customer types.
// Without JavaScript the box is a plain form that submits to /search.
// What was shown and opened goes to /api/v1/events (the dropdown's own requests are not counted as searches)
// by kbSend (send.js, loaded first).
(function () {
  "use strict";
  var DEBOUNCE_MS = 150;

  function setup(box) {
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[role=listbox]");
    var timer = null;
    var controller = null;
    var active = -1;
    var shown = null; // the list on screen: {query, slugs, confident, sent: its search was reported, settled: read for 1 s}
    var settle = null;

    // A query the customer paused on and then left without opening anything still counts as a search:
    // when it found nothing, it is exactly the content gap the team needs to see.
    function abandon() {
      if (!shown || shown.sent || !shown.settled) return;
      shown.sent = true;
      kbSend([searchEvent(shown)]);
    }

    function close() {
      abandon();
      list.hidden = true;
      list.innerHTML = "";
      shown = null;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    // What the dashboard counts: a search whose results were none of them confident is a content gap too.
    function searchEvent(seen) {
      return { type: "search", surface: "help_center", query: seen.query.slice(0, 1000), results: seen.slugs.length, confident: seen.confident };
    }

    function render(results, q, confident) {
      list.innerHTML = "";
      var current = shown = { query: q, slugs: results.map(function (r) { return r.slug; }), confident: confident };
      clearTimeout(settle);
      settle = setTimeout(function () { current.settled = true; }, 1000);
      // An option holds text only, no link: a control inside the listbox's options would be interactive inside
      // interactive. A click or Enter opens its data-url (openResult below).
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-url", r.url);
        li.textContent = r.title + (r.section ? " › " + r.section : "");
        var snippet = document.createElement("span");
        snippet.innerHTML = r.snippet; // server-escaped text with <mark> only
        li.appendChild(snippet);
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }

    // A busy server (503) or too many requests (429): the list stays, and the query is asked again once, after
    // the Retry-After the server gave, unless the customer has typed on meanwhile.
    function query(again) {
      var q = input.value.trim();
      if (controller) controller.abort();
      if (q.length < 2) { close(); return; }
      controller = new AbortController();
      var locale = document.documentElement.lang; // the page's: its edition's articles
      var url = "/api/v1/search?limit=6&record=0" + (locale ? "&locale=" + encodeURIComponent(locale) : "");
      fetch(url + "&q=" + encodeURIComponent(q), { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) {
          var busy = r.status === 503 || r.status === 429;
          if (busy && again !== true) {
            timer = setTimeout(function () { query(true); }, Math.min(+r.headers.get("Retry-After") || 1, 5) * 1000);
          }
          return r.ok ? r.json() : busy ? null : { results: [] };
        })
        .then(function (data) { if (data) { active = -1; render(data.results || [], q, data.confident === true); } })
        .catch(function () { /* aborted or offline: the form still submits */ });
    }

    // Opening a result reports the search it came from (once, however many results they open) and the click.
    function opened(index) {
      try {
        if (!shown || !shown.slugs[index]) return;
        var q = shown.query.slice(0, 1000);
        var events = [{ type: "search_click", surface: "help_center", query: q, article: shown.slugs[index], position: index + 1 }];
        if (!shown.sent) events.unshift(searchEvent(shown));
        shown.sent = true;
        kbSend(events);
      } catch (e) { /* analytics never stop the navigation */ }
    }

    // Report the click, then go: a new tab with Ctrl or Cmd (as a link would), else this one.
    function openResult(index, newTab) {
      var item = list.children[index];
      if (!item) return;
      opened(index);
      if (newTab) window.open(item.getAttribute("data-url"), "_blank", "noopener");
      else window.location.href = item.getAttribute("data-url");
    }

    // Pressing on an option keeps the focus in the box (options are not focusable), so leaving is not abandoning.
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var item = e.target.closest && e.target.closest("li");
      if (item) openResult(Array.prototype.indexOf.call(list.children, item), e.ctrlKey || e.metaKey);
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(query, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); select(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(active - 1); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        openResult(active, false);
      }
    });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(); });
    input.addEventListener("blur", function () { setTimeout(function () { if (!box.contains(document.activeElement)) abandon(); }, 0); });
    window.addEventListener("pagehide", abandon);
    // Submitting the form opens /search, which records the search itself.
    box.closest("form") && box.closest("form").addEventListener("submit", function () { if (shown) shown.sent = true; });
  }

  document.querySelectorAll("[data-search-box]").forEach(setup);

  // The /search page: a click on a result (or on the instant answer's link: the first result's article), with
  // its 1-based position across pages.
  var results = document.querySelector("[data-results]");
  if (results) {
    document.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("[data-results] a[data-slug], [data-answer] a[data-slug]");
      if (!link) return;
      kbSend([{ type: "search_click", surface: "help_center", query: (results.getAttribute("data-query") || "").slice(0, 1000),
        article: link.getAttribute("data-slug"), position: parseInt(link.getAttribute("data-position"), 10) || null }]);
    });
  }
})();
