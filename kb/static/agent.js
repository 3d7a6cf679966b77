// Agent pages: one-click copy of a suggested article's link or excerpt, ready to paste into a reply.
// A copy counts as a click on that suggestion (once per article and page) in the analytics (kbSend: send.js; kbCopy: copy.js).
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


  function announce(message) {
    var status = document.querySelector("[data-copy-status]");
    if (status) { status.textContent = message; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var original = button.dataset.originalLabel || button.textContent;
    button.dataset.originalLabel = original;
    kbCopy(button.getAttribute("data-copy")).then(function () {
      copied(button);
      button.textContent = button.getAttribute("data-copy-label") || t("Copied");
      button.classList.add("copied");
      announce(button.textContent);
      setTimeout(function () {
        button.textContent = original;
        button.classList.remove("copied");
      }, 2000);
    }, function () {
      announce(t("Could not copy; select the text and copy it by hand."));
    });
  });
})();
