/* kbHighlight(root, text): an instant answer's sentences found in the element `root` and highlighted, then
 * scrolled into view; returns whether they were found. Only text the article holds is ever highlighted: `text`
 * (from the link's ?highlight=) is looked for, never inserted. Spacing is ignored, since the sentences were
 * taken from the article's text, where its paragraphs and list items are one line apart. With the CSS Custom
 * Highlight API nothing in the page changes; where a browser lacks it, the text is wrapped in <mark>.
 * The one copy: article pages load it (templates/help/article.html); /beacon.js serves it in the beacon's
 * closure (kb/web/beacon.py). ES5, like the pages. */
var kbHighlight = (function () {
  "use strict";
  var NAME = "kb-answer"; // ::highlight(kb-answer) and mark.kb-answer in the stylesheets
  var SPACE = /\s/;

  // The Range of `text` in `root`, or null: every character but spacing is compared.
  function find(root, text) {
    var wanted = String(text || "").replace(/\s+/g, "");
    if (!wanted || !root) return null;
    var chars = [];
    var places = []; // places[i]: [text node, offset] of chars[i]
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentNode.closest && node.parentNode.closest("button, script, style")) continue; // copy buttons
      for (var i = 0; i < node.data.length; i++) {
        if (!SPACE.test(node.data[i])) { chars.push(node.data[i]); places.push([node, i]); }
      }
    }
    var at = chars.join("").indexOf(wanted);
    if (at < 0) return null;
    var first = places[at];
    var last = places[at + wanted.length - 1];
    var range = document.createRange();
    range.setStart(first[0], first[1]);
    range.setEnd(last[0], last[1] + 1);
    return range;
  }

  function wrap(range) {
    var nodes = [];
    var container = range.commonAncestorContainer;
    if (container.nodeType === 3) {
      nodes.push(container);
    } else {
      var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, null);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (range.intersectsNode(node)) nodes.push(node);
      }
    }
    var marks = [];
    nodes.forEach(function (node) {
      var start = node === range.startContainer ? range.startOffset : 0;
      var end = node === range.endContainer ? range.endOffset : node.data.length;
      if (start >= end || !node.data.slice(start, end).trim()) return;
      var middle = node.splitText(start);
      middle.splitText(end - start);
      var mark = document.createElement("mark");
      mark.className = NAME;
      middle.parentNode.replaceChild(mark, middle);
      mark.appendChild(middle);
      marks.push(mark);
    });
    return marks[0];
  }

  return function highlight(root, text) {
    var range = find(root, text);
    if (!range) return false;
    var first;
    if (window.CSS && CSS.highlights && window.Highlight) {
      CSS.highlights.set(NAME, new Highlight(range));
      first = range.startContainer.parentNode;
    } else {
      first = wrap(range);
    }
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
    return true;
  };
})();
