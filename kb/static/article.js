// Article pages: the table of contents marks the section being read (aria-current), each code block gets a
// Copy button, and an instant answer's link (?highlight=) has its sentences highlighted (highlight.js).
// Without JavaScript the page reads the same without these; code blocks and tables stay reachable by keyboard
// without it (kb.content.render gives them a tab stop), and the answer's link still opens at its section.
(function () {
  "use strict";
  var READING_LINE = 0.3; // a section is being read once its heading has passed the top 30 % of the window
  var COPIED_MS = 2000;

  // ------------------------------------------------------------------------- the section in view

  function trackReading(toc) {
    var links = {};
    var headings = [];
    toc.querySelectorAll('a[href^="#"]').forEach(function (link) {
      var heading = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (heading && !links[heading.id]) {
        links[heading.id] = link;
        headings.push(heading);
      }
    });
    if (!headings.length || !("IntersectionObserver" in window)) { return; }
    var current = null;
    var jumpedTo = null; // a heading opened from a link, which may sit too low to pass the line (the last ones)

    function mark(heading) {
      var link = heading && links[heading.id];
      if (link === current) { return; }
      if (current) { current.removeAttribute("aria-current"); }
      if (link) { link.setAttribute("aria-current", "true"); }
      current = link || null;
    }

    function inView(heading) {
      var box = heading.getBoundingClientRect();
      return box.top >= 0 && box.top < window.innerHeight;
    }

    function headingBeingRead() {
      var line = window.innerHeight * READING_LINE;
      var reading = null;
      for (var i = 0; i < headings.length && headings[i].getBoundingClientRect().top <= line; i++) {
        reading = headings[i];
      }
      if (jumpedTo && inView(jumpedTo) && headings.indexOf(jumpedTo) > headings.indexOf(reading)) {
        return jumpedTo;
      }
      jumpedTo = null;
      return reading;
    }

    function update() { mark(headingBeingRead()); }

    function followHash() {
      var heading = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
      jumpedTo = heading && links[heading.id] ? heading : null;
      update();
    }

    // The observer only says when a heading crosses the reading line; which section that leaves in view is
    // worked out from every heading's position.
    var below = Math.round((1 - READING_LINE) * 100);
    var observer = new IntersectionObserver(update, { rootMargin: "0px 0px -" + below + "% 0px" });
    headings.forEach(function (heading) { observer.observe(heading); });
    window.addEventListener("hashchange", followHash);
    followHash();
  }

  // ------------------------------------------------------------------------- copy buttons (kbCopy: copy.js)

  function codeText(pre) {
    var code = pre.querySelector("code") || pre;
    return code.textContent.replace(/\n$/, "");
  }

  // The block the button sits in: the highlighter's wrapper, or one made around a bare <pre>.
  function blockOf(pre) {
    var block = pre.parentElement;
    if (!block.classList.contains("highlight")) {
      block = document.createElement("div");
      pre.parentNode.insertBefore(block, pre);
      block.appendChild(pre);
    }
    block.classList.add("code-block");
    return block;
  }

  function addCopyButton(pre, status) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = t("Copy");
    var timer = null;
    button.addEventListener("click", function () {
      kbCopy(codeText(pre)).then(function () {
        clearTimeout(timer);
        button.textContent = t("Copied");
        status.textContent = t("Copied");
        timer = setTimeout(function () {
          button.textContent = t("Copy");
          status.textContent = "";
        }, COPIED_MS);
      }, function () {
        status.textContent = t("Could not copy; select the code and copy it by hand.");
      }).then(function () {
        if (document.activeElement !== button) { button.focus(); } // the textarea fallback takes the focus
      });
    });
    var block = blockOf(pre);
    block.insertBefore(button, block.firstChild);
  }

  function addCopyButtons(body) {
    var blocks = body.querySelectorAll("pre");
    if (!blocks.length) { return; }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status"); // polite: said once the reader's current speech ends
    body.appendChild(status);
    blocks.forEach(function (pre) { addCopyButton(pre, status); });
  }

  var toc = document.querySelector(".toc");
  var body = document.querySelector(".article-body");
  if (toc) { trackReading(toc); }
  if (body) { addCopyButtons(body); }
  var passage = body && window.URLSearchParams && new URLSearchParams(location.search).get("highlight");
  if (passage && window.kbHighlight) { kbHighlight(body, passage.slice(0, 2000)); }
})();
