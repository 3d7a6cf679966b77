// Contact form deflection: as the customer types, suggested articles appear beside the form, and the
// slugs shown are sent with the ticket so agents know what the customer already saw. Suggestions that stay
// on screen, and the ones opened, go to /api/v1/events with the form's session (the deflection figures;
// kbSend: send.js, loaded first). The server's error under a field goes as soon as the field is put right.
(function () {
  "use strict";
  var form = document.querySelector("[data-contact-form]");
  var panel = document.querySelector("[data-contact-suggestions] ul");
  if (!form) return;
  clearErrorsOnceFixed();
  if (!panel) return;
  var shownInput = form.querySelector("[data-shown]");
  var sessionInput = form.querySelector("[data-session]");
  var shown = shownInput.value ? shownInput.value.split(",") : [];
  var timer = null;
  var controller = null;
  var seenTimer = null;
  var pending = null; // reports the list on screen as shown, once it has stayed a second
  // The server already recorded the list it rendered.
  var reported = Array.prototype.map.call(panel.querySelectorAll("a[data-slug]"), function (a) {
    return a.getAttribute("data-slug");
  }).join(",");
  var listed = form.subject.value + "\n" + form.message.value; // what the list on screen was suggested for

  function ev(type, more) {
    var e = { type: type, surface: "contact_form", session: (sessionInput && sessionInput.value) || null,
      query: listed.trim().slice(0, 1000) || null };
    for (var k in more) e[k] = more[k];
    return e;
  }

  // Shown once the list has stayed a second (they type on), and not again while it holds the same articles.
  function seenSoon(slugs) {
    clearTimeout(seenTimer);
    var key = slugs.join(",");
    pending = key === reported ? null : function () {
      clearTimeout(seenTimer);
      pending = null;
      reported = key;
      kbSend([ev("suggestion_shown", { articles: slugs })]);
    };
    if (pending) seenTimer = setTimeout(pending, 1000);
  }

  function render(suggestions) {
    panel.innerHTML = "";
    suggestions.forEach(function (s) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = s.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.setAttribute("data-slug", s.slug);
      a.textContent = s.title + (s.section ? " › " + s.section : "");
      var p = document.createElement("p");
      p.innerHTML = s.snippet; // server-escaped text with <mark> only
      li.appendChild(a);
      li.appendChild(p);
      panel.appendChild(li);
      if (shown.indexOf(s.slug) < 0) shown.push(s.slug);
    });
    shownInput.value = shown.slice(0, 50).join(",");
    seenSoon(suggestions.map(function (s) { return s.slug; }));
  }

  function update() {
    var text = form.subject.value + "\n" + form.message.value;
    if (text.trim().length < 4) return;
    if (controller) controller.abort();
    controller = new AbortController();
    fetch("/api/v1/suggest", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ text: text.slice(0, 20000), limit: 3, locale: document.documentElement.lang || null }),
      signal: controller.signal
    })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (data.suggestions.length) { listed = text; render(data.suggestions); } })
      .catch(function () { /* superseded or offline: the form still works */ });
  }

  ["subject", "message"].forEach(function (name) {
    form[name].addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
  });

  // A suggestion opened (rendered by the server or by render()), with its 1-based place in the list.
  panel.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-slug]");
    if (!link) return;
    var links = Array.prototype.slice.call(panel.querySelectorAll("a[data-slug]"));
    if (pending) pending(); // clicked within the second: shown all the same
    kbSend([ev("suggestion_clicked", { article: link.getAttribute("data-slug"), position: links.indexOf(link) + 1 })]);
  });

  // The server checks every field on Send (kb/desk/tickets.py has the last word); here an error it rendered
  // only goes away once what the field holds would pass.
  function clearErrorsOnceFixed() {
    Array.prototype.forEach.call(form.querySelectorAll("input:not([type=hidden]), textarea"), function (field) {
      function clearIfFixed() {
        if (field.getAttribute("aria-invalid") === "true" && passes(field)) clearError(field);
      }
      field.addEventListener("input", clearIfFixed);
      field.addEventListener("change", clearIfFixed);
    });
  }

  function passes(field) {
    var value = field.value.trim();
    if (field.required && !value) return false;
    if (field.maxLength > 0 && value.length > field.maxLength) return false;
    return field.type !== "email" || !value || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);
  }

  function clearError(field) {
    var error = document.getElementById(field.id + "-error");
    if (error) error.parentNode.removeChild(error);
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }
})();
