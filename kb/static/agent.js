// Agent pages: one-click copy of a suggested article's link or excerpt, ready to paste into a reply.
// A copy counts as a click on that suggestion (once per article and page) in the analytics (kbSend: send.js).
(function () {
  "use strict";
  var reported = {};

  function copied(button) {
    try {
      var item = button.closest("[data-suggestion]");
      var slug = item && item.getAttribute("data-suggestion");
      if (!slug || reported[slug]) { return; }
      reported[slug] = true;
      kbSend([{ type: "suggestion_clicked", surface: "agent", article: slug,
        position: parseInt(item.getAttribute("data-position"), 10) || null }]);
    } catch (e) { /* never mind */ }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http installs have no Clipboard API: fall back to a hidden textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function announce(message) {
    var status = document.querySelector("[data-copy-status]");
    if (status) { status.textContent = message; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var original = button.dataset.originalLabel || button.textContent;
    button.dataset.originalLabel = original;
    copyText(button.getAttribute("data-copy")).then(function () {
      copied(button);
      button.textContent = button.getAttribute("data-copy-label") || "Copied";
      button.classList.add("copied");
      announce(button.textContent);
      setTimeout(function () {
        button.textContent = original;
        button.classList.remove("copied");
      }, 2000);
    }, function () {
      announce("Could not copy; select the text and copy it by hand.");
    });
  });
})();
