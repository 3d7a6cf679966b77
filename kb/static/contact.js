// Contact form deflection: as the customer types, suggested articles appear beside the form, and the
// slugs shown are sent with the ticket so agents know what the customer already saw.
(function () {
  "use strict";
  var form = document.querySelector("[data-contact-form]");
  var panel = document.querySelector("[data-contact-suggestions] ul");
  if (!form || !panel) return;
  var shownInput = form.querySelector("[data-shown]");
  var shown = shownInput.value ? shownInput.value.split(",") : [];
  var timer = null;
  var controller = null;

  function render(suggestions) {
    panel.innerHTML = "";
    suggestions.forEach(function (s) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = s.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = s.title + (s.section ? " › " + s.section : "");
      var p = document.createElement("p");
      p.innerHTML = s.snippet; // server-escaped text with <mark> only
      li.appendChild(a);
      li.appendChild(p);
      panel.appendChild(li);
      if (shown.indexOf(s.slug) < 0) shown.push(s.slug);
    });
    shownInput.value = shown.slice(0, 50).join(",");
  }

  function update() {
    var text = form.subject.value + "\n" + form.message.value;
    if (text.trim().length < 4) return;
    if (controller) controller.abort();
    controller = new AbortController();
    fetch("/api/v1/suggest", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ text: text.slice(0, 20000), limit: 3 }),
      signal: controller.signal
    })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (data.suggestions.length) render(data.suggestions); })
      .catch(function () { /* superseded or offline: the form still works */ });
  }

  ["subject", "message"].forEach(function (name) {
    form[name].addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
  });
})();
