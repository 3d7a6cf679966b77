/* kbCopy(text) -> Promise: put text on the clipboard; the one copy, for the article page's code blocks and the
 * agent view's copy buttons. Plain-http installs have no Clipboard API: it then copies from a hidden textarea. */
var kbCopy = (function () {
  "use strict";

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  return copy;
})();
