/* t("Send", values) and tn("{count} result", "{count} results", n, values): what a person reads, in the page's
 * language, with {name} filled in from values; the one copy (the `scripts` catalog: kb/web/script_strings.py).
 * Pages load it first (templates/base.html): their strings are in <script type="application/json" id="kb-strings">,
 * {"messages": {msgid: msgstr or [plural forms]}, "plural": "n > 1"}; absent or empty, the English as written.
 * /beacon.js serves it in the beacon's closure, where beacon.js picks its locale's: kbStrings.use(KB_STRINGS[tag]).
 * ES5, like the pages. No eval (the pages' CSP forbids it): the plural rule is read by rule() below. */
var kbStrings = (function () {
  "use strict";
  var messages = {};
  var plural = english;

  function english(n) { return n === 1 ? 0 : 1; }

  function use(strings) {
    messages = (strings && strings.messages) || {};
    plural = english;
    try { if (strings && strings.plural) { plural = rule(strings.plural); } } catch (e) { /* English's, then */ }
  }

  function fill(text, values) {
    return !values ? text : text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function t(text, values) {
    var said = messages[text];
    return fill(typeof said === "string" && said ? said : text, values);
  }

  function tn(one, other, n, values) {
    var forms = messages[one];
    var said = forms instanceof Array ? forms[Math.min(plural(n), forms.length - 1)] : "";
    return fill(said || (n === 1 ? one : other), values);
  }

  // gettext's plural rule, a C expression of n ("n%10==1 && n%100!=11 ? 0 : 1"), as a function of n.
  var LEVELS = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]];
  var OPS = {
    "||": function (a, b) { return a || b ? 1 : 0; }, "&&": function (a, b) { return a && b ? 1 : 0; },
    "==": function (a, b) { return +(a === b); }, "!=": function (a, b) { return +(a !== b); },
    "<": function (a, b) { return +(a < b); }, ">": function (a, b) { return +(a > b); },
    "<=": function (a, b) { return +(a <= b); }, ">=": function (a, b) { return +(a >= b); },
    "+": function (a, b) { return a + b; }, "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; }, "/": function (a, b) { return Math.floor(a / b); },
    "%": function (a, b) { return a % b; }
  };

  function rule(source) {
    var tokens = source.match(/\d+|n|\|\||&&|[=!<>]=|[-+*\/%<>!?:()]|\S/g) || [];
    var at = 0;
    function expect(token) {
      if (tokens[at++] !== token) { throw new Error("not a plural rule: " + source); }
    }
    function choice() {
      var test = level(0);
      if (tokens[at] !== "?") { return test; }
      at++;
      var yes = choice();
      expect(":");
      var no = choice();
      return function (n) { return test(n) ? yes(n) : no(n); };
    }
    function level(i) {
      if (i === LEVELS.length) { return operand(); }
      var left = level(i + 1);
      while (LEVELS[i].indexOf(tokens[at]) >= 0) {
        left = binary(OPS[tokens[at++]], left, level(i + 1));
      }
      return left;
    }
    function binary(op, a, b) { return function (n) { return op(a(n), b(n)); }; }
    function operand() {
      var token = tokens[at++];
      if (token === "n") { return function (n) { return n; }; }
      if (/^\d+$/.test(token || "")) { return function () { return +token; }; }
      if (token === "!") { var not = operand(); return function (n) { return not(n) ? 0 : 1; }; }
      if (token === "-") { var minus = operand(); return function (n) { return -minus(n); }; }
      if (token !== "(") { throw new Error("not a plural rule: " + source); }
      var inner = choice();
      expect(")");
      return inner;
    }
    var compiled = choice();
    if (at !== tokens.length) { throw new Error("not a plural rule: " + source); }
    return function (n) { return Math.max(0, +compiled(n) || 0); };
  }

  try {
    var strings = document.getElementById("kb-strings");
    use(strings && strings.textContent.trim() ? JSON.parse(strings.textContent) : null);
  } catch (e) { /* the English as written */ }
  return { use: use, t: t, tn: tn };
})();
var t = kbStrings.t;
var tn = kbStrings.tn;
