// Search as you type: results appear under any help-center search box while the customer types.
// Without JavaScript the box is a plain form that submits to /search.
(function () {
  "use strict";
  var DEBOUNCE_MS = 150;

  function setup(box) {
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[role=listbox]");
    var timer = null;
    var controller = null;
    var active = -1;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
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

    function render(results) {
      list.innerHTML = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        var a = document.createElement("a");
        a.href = r.url;
        a.tabIndex = -1;
        a.textContent = r.title + (r.section ? " › " + r.section : "");
        var snippet = document.createElement("span");
        snippet.innerHTML = r.snippet; // server-escaped text with <mark> only
        a.appendChild(snippet);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }

    function query() {
      var q = input.value.trim();
      if (controller) controller.abort();
      if (q.length < 2) { close(); return; }
      controller = new AbortController();
      fetch("/api/v1/search?limit=6&q=" + encodeURIComponent(q), { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { active = -1; render(data.results || []); })
        .catch(function () { /* aborted or offline: the form still submits */ });
    }

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
        window.location.href = list.querySelectorAll("li a")[active].href;
      }
    });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(); });
  }

  document.querySelectorAll("[data-search-box]").forEach(setup);
})();
