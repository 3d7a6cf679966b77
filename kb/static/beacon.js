/* kb chat beacon: <script src="https://help.example.com/beacon.js" data-color="#2563eb" data-greeting="Hi!"
 * data-position="right" defer></script> on any site. It draws in a shadow root: the page's CSS cannot reach in,
 * ours cannot leak out. For host pages: KB.open(), KB.close(), KB.search(text), KB.suggest([slug, ...]).
 * Served by kb/web/beacon.py after KB_LOCALES, KB_STRINGS and send.js (kbSend), in one closure: load it from /beacon.js. */
(() => {
  "use strict";
  if (window.KB?.beacon) return; // the tag is on the page twice
  const script = document.currentScript || document.querySelector('script[src$="/beacon.js"]');
  if (!script) return;
  const base = new URL(".", script.src).href.replace(/\/$/, ""); // where this file is from
  const opt = script.dataset;
  const color = /^#([0-9a-f]{3}){1,2}$/i.test(opt.color) ? opt.color : "#2563eb";
  // data-locale, the page's or the browser's language, the first kb has (by tag, then language), else its default
  const locales = KB_LOCALES, lang = (tag) => tag.split("-")[0];
  const locale = [opt.locale, document.documentElement.lang, navigator.language].map((w = "") =>
    (w = w.toLowerCase().replace("_", "-"), locales.find((l) => l.toLowerCase() == w) ||
      locales.find((l) => lang(l.toLowerCase()) == lang(w)))).find(Boolean) || locales[0];
  // i18n.js's t (no tn: none needed)
  const strings = KB_STRINGS[locale].messages;
  const t = (text, values = {}) => (strings[text] || text).replace(/\{(\w+)\}/g, (all, k) => values[k] ?? all);

  // Page selectors never match in a shadow tree, where our !important beats the page's: `:host{all:initial!important}`
  // undoes even `div{display:none!important}` on the host element.
  const STYLE = `:host{all:initial!important}
.launcher,.panel{--c:${color};position:fixed;z-index:2147483000;${opt.position === "left" ? "left" : "right"}:20px;
font:15px/1.45 system-ui,sans-serif;color:#1f2937;text-align:left}
*{box-sizing:border-box}[hidden]{display:none!important}
button,input,textarea{font:inherit;color:inherit;margin:0;cursor:pointer}
.launcher{bottom:20px;padding:12px 20px;border:0;border-radius:99px;background:var(--c);color:#fff;font-weight:600;
box-shadow:0 6px 20px #0004}
.panel{bottom:84px;width:380px;max-height:min(640px,calc(100vh - 104px));display:flex;flex-direction:column;
background:#fff;border-radius:14px;box-shadow:0 12px 40px #0005;overflow:hidden}
.top{display:flex;padding:14px 16px;background:var(--c);color:#fff;font-size:17px;font-weight:600}
.top p{flex:1;margin:0}.x{border:0;background:none;color:#fff;font-size:24px;line-height:1}
.scroll{overflow:auto;padding:16px;flex:1}h2{font-size:19px;line-height:1.3;margin:8px 0 12px}p{margin:0 0 10px}
label{display:block;font-weight:600;margin-bottom:4px}
input,textarea{display:block;width:100%;padding:9px 11px;border:1px solid #9ca3af;border-radius:8px;cursor:text}
textarea{min-height:96px;resize:vertical}[aria-invalid]{border-color:#b91c1c}
.hint{color:#4b5563;font-size:13px;margin:14px 0 6px}.hint:empty{display:none}
ul{list-style:none;margin:0;padding:0}
li{position:relative;padding:10px 12px;margin-bottom:8px;border:1px solid #e5e7eb;border-radius:10px}
.sug,.back{display:block;border:0;background:none;padding:0;text-align:left;font-weight:600;color:var(--c)}
.sug::after{content:'';position:absolute;inset:0}/* title button covers its card */
.sec,.snip{display:block;font-weight:400;font-size:13px;color:#4b5563}.snip{margin:4px 0 0;color:inherit}
.more,.fb{margin-top:16px;padding-top:14px;border-top:1px solid #e5e7eb}
.b{padding:9px 16px;margin-right:8px;border-radius:8px;font-weight:600;border:1px solid var(--c);background:#fff;color:var(--c)}
.go{background:var(--c);color:#fff}.go:disabled{opacity:.6}a{color:var(--c)}
.art{overflow-wrap:anywhere}.art h2{font-size:17px}.art img{max-width:100%}.art pre,.art table{display:block;overflow:auto}
.ans{position:relative;margin:14px 0 4px;padding:12px 14px;border-radius:10px;background:#f3f4f6;border-left:4px solid var(--c)}
.ans-text{margin:0 0 8px}::highlight(kb-answer),mark.kb-answer{background:#fde68a;color:#1f2937}
.field{margin-bottom:12px}.err{color:#b91c1c;font-size:13px;margin:4px 0 10px}
:focus-visible{outline:3px solid var(--c);outline-offset:2px}.top :focus-visible{outline-color:#fff}
@media (max-width:480px){.panel{inset:0;width:auto;max-height:none;border-radius:0}}`;

  // h("p", {className: "x", onclick: f, "aria-y": "z"}, "text", node): strings become text nodes.
  const h = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const k in props) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), props[k]);
      else if (k.includes("-") || k === "role") e.setAttribute(k, props[k]);
      else e[k] = props[k];
    }
    e.append(...kids);
    return e;
  };
  const button = (text, className, onclick, props) => h("button", { type: "button", className, onclick, ...props }, text);

  let root, launcher, panel, question, home, contact, current, previous, token, wait, sid = Math.random() + "";
  let reading; // the slug of the article open in the panel
  const views = {}, art = {}, form = {}, articles = {}; // articles: slug -> promise
  let shown = []; // every slug the customer saw, sent with the ticket
  let said = []; // what the customer asked before, oldest first: the earlier turns of this conversation
  let pageItems; // for the page's URL (or from KB.suggest), shown before they type

  // {status, data, retry}; a body that is not JSON (a proxy's error page) reads as {}. retry: seconds to wait
  // when kb is busy (503) or the visitor asked too often (429), from Retry-After.
  const api = (path, body, signal) => // with the `locale`, in the body (or the query of a GET)
    fetch(`${base}/api/v1/${path}${body ? "" : "?locale=" + locale}`,
      { method: body ? "POST" : "GET", body: body && JSON.stringify({ ...body, locale }), signal,
      headers: body ? { "Content-Type": "application/json" } : {}, credentials: "omit" })
      .then((r) => r.json().catch(() => ({})).then((data) =>
        ({ status: r.status, data, retry: Math.min(+r.headers.get("Retry-After") || 1, 5) })));

  const getArticle = (slug) =>
    (articles[slug] ||= api("articles/" + encodeURIComponent(slug))
      .then((r) => (r.status === 200 ? r.data : Promise.reject(r)))
      .catch((e) => Promise.reject(e, delete articles[slug]))); // forgotten, to retry later

  // A list: a heading (a live region, read out when it changes) and a <ul> of buttons.
  const makeList = (label) => ({ label, hint: h("p", { className: "hint", role: "status" }), ul: h("ul", { "aria-label": label }),
    answer: h("section", { className: "ans", hidden: true, "aria-label": t("Answer") }) });
  function render(list, items, heading, q, answer) {
    list.hint.textContent = heading;
    // Analytics: a list once it stays a second (they type on), and clicks.
    const slugs = items.map((s) => s.slug), ev = (type, more) =>
      kbSend([{ type, surface: "beacon", session: sid, query: q?.slice(0, 999), ...more }], { base, fallback: false, locale });
    list.seen = () => items[0] && list.key != (list.key = sid + slugs) && ev("suggestion_shown", { articles: slugs });
    clearTimeout(wait);
    wait = setTimeout(list.seen, 1000);
    list.ul.replaceChildren(
      ...items.map((s, i) => {
        const title = button(s.title, "sug", () => (remember(q || ""), openArticle(s.slug, s.url), list.seen(),
          ev("suggestion_clicked", { article: s.slug, position: i + 1 })));
        if (s.section) title.append(h("span", { className: "sec" }, s.section));
        const snip = h("p", { className: "snip" }, s.summary || "");
        if (s.snippet) snip.innerHTML = s.snippet; // server-escaped text; its only tag is <mark>
        if (!shown.includes(s.slug) && shown.length < 50) shown.push(s.slug);
        return h("li", {}, title, snip);
      })
    );
    showAnswer(list, answer, slugs, ev, q);
  }
  // The instant answer above the list: the article's own sentences, and the way to read them in it, highlighted.
  function showAnswer(list, answer, slugs, ev, q) {
    list.answer.hidden = !answer;
    if (!answer) return list.answer.replaceChildren();
    const where = answer.section ? `${answer.title} › ${answer.section}` : answer.title;
    const source = button(answer.title, "sug", () => (remember(q || ""), openArticle(answer.slug, answer.url, answer.text),
      list.seen(), ev("suggestion_clicked", { article: answer.slug, position: slugs.indexOf(answer.slug) + 1 || null })),
      { "aria-label": t("Read the answer in {article}", { article: where }) }); // not the list's same title
    if (answer.section) source.append(h("span", { className: "sec" }, answer.section));
    list.answer.replaceChildren(h("p", { className: "ans-text" }, answer.text), source);
  }

  // A turn of the conversation: what they asked when they went on with it (to an article, or to write to us).
  function remember(text) {
    text = text.trim().slice(0, 20000);
    if (text) said = [...said.filter((t) => t !== text), text].slice(-20);
  }
  // What to ask about `text`: itself, or after what they asked before as `messages` (the newest 20,000
  // characters). A turn the next one starts with was only its beginning (the form starts with their question).
  function ask(text) {
    let room = 20000;
    const turns = [...said, text.trim().slice(0, 20000)].filter((t, i, all) => t && !all[i + 1]?.startsWith(t));
    const kept = turns.reverse().filter((t) => (room -= t.length) >= 0).reverse();
    if (kept.length < 2) return { text: text.slice(0, 20000) };
    return { messages: kept.map((t) => ({ role: "customer", text: t })) };
  }

  // Debounced, and each request aborts the one it supersedes.
  function suggestSoon(list, text) {
    clearTimeout(list.timer);
    list.timer = setTimeout(() => suggest(list, text), 200);
  }
  // A busy server's 503 (or a 429) is asked again once, as told, unless the customer has typed on meanwhile.
  function suggest(list, text, again) {
    clearTimeout(list.timer);
    list.ctrl?.abort();
    if (text.trim().length < 3) return list === home && showPageItems();
    list.ctrl = new AbortController();
    api("suggest", { ...ask(text), limit: list === home ? 5 : 3 }, list.ctrl.signal).then((r) => {
      const items = r.data.suggestions;
      if (r.status === 200) render(list, items, items.length ? list.label : list.none || "", text, r.data.answer);
      else if ((r.status === 503 || r.status === 429) && !again) list.timer = setTimeout(() => suggest(list, text, 1), r.retry * 1e3);
    }, () => {}); // superseded, or offline
  }
  function showPageItems() {
    if (pageItems && !question.value.trim()) render(home, pageItems, pageItems.length ? t("Suggested for you") : "");
  }

  function show(name) {
    if (name === "article" && current !== "article") previous = current;
    current = name;
    for (const key in views) views[key].hidden = key !== name;
    views[name].parentNode.scrollTop = 0;
  }
  // Focus the field to fill in, else the view's heading.
  function focusView() {
    const empty = [form.name, form.email, form.message].find((f) => !f.value.trim()) || form.message;
    ({ home: question, contact: empty }[current] || views[current].querySelector("h2")).focus();
  }
  const goto = (name) => () => (show(name), focusView());

  // `passage`: an instant answer's sentences, highlighted in the article (highlight.js's kbHighlight).
  function openArticle(slug, url = "", passage = "") {
    const mine = (token = {}); // a later click makes this stale
    show("article");
    art.title.textContent = t("Loading…");
    art.body.replaceChildren();
    art.fb.hidden = true;
    art.title.focus();
    getArticle(slug).then(
      (a) => {
        if (token !== mine) return;
        reading = slug;
        const page = base + a.url;
        art.title.textContent = a.title;
        art.body.innerHTML = a.html; // sanitized by the server's allowlist; only ever in this shadow root
        // Its links and images are relative to the help center, not this page.
        for (const n of art.body.querySelectorAll("[href],[src]")) {
          const attr = n.hasAttribute("href") ? "href" : "src";
          n.setAttribute(attr, new URL(n.getAttribute(attr), page).href);
          if (attr === "href") Object.assign(n, { target: "_blank", rel: "noopener" });
        }
        art.fb.hidden = art.ask.hidden = false;
        art.thanks.hidden = true;
        const id = url.split("#")[1]; // scroll to the passage, else to the section suggested
        if (!(passage && kbHighlight(art.body, passage)) && id) art.body.querySelector("#" + CSS.escape(id))?.scrollIntoView();
      },
      () => token === mine && (art.title.textContent = t("Sorry, this article could not be loaded."))
    );
  }

  // "Did this answer your question?": the article page's vote (kb.analytics.events), in this conversation.
  const vote = (helpful) =>
    kbSend([{ type: "helpful", surface: "beacon", session: sid, article: reading, helpful }], { base, fallback: false, locale });

  function goContact() {
    remember(question.value);
    show("contact");
    if (!form.message.value.trim() && question.value.trim()) {
      form.message.value = question.value.trim(); // their question starts the message
      suggest(contact, form.message.value);
    }
    focusView();
  }

  const LABELS = { name: t("Name"), email: t("Email"), message: t("Message") };
  const LIMITS = { name: 200, email: 320, message: 20000 }; // kb/desk/tickets.py, which has the last word
  const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  function field(name, label, type, autocomplete) {
    const err = (form[name + "Err"] = h("p", { className: "err", id: name + "-err", hidden: true }));
    const fixed = () => form[name].hasAttribute("aria-invalid") && passes(name) && setError(name, "");
    form[name] = h(type ? "input" : "textarea", { id: name, name, required: true, "aria-describedby": err.id,
      oninput: fixed, onchange: fixed });
    if (type) Object.assign(form[name], { type, autocomplete });
    return h("div", { className: "field" }, h("label", { htmlFor: name }, label), form[name], err);
  }
  function setError(name, text) {
    Object.assign(form[name + "Err"], { textContent: text, hidden: !text });
    if (text) form[name].setAttribute("aria-invalid", "true");
    else form[name].removeAttribute("aria-invalid");
  }
  // Whether the server would take what the field holds now (it checks again on Send).
  function passes(name) {
    const value = form[name].value.trim();
    return !!value && value.length <= LIMITS[name] && (name !== "email" || EMAIL.test(value));
  }
  const fail = (text) => Object.assign(form.alert, { textContent: text, hidden: false });

  function submit(e) {
    e.preventDefault();
    for (const n in LABELS) setError(n, "");
    form.alert.hidden = true;
    Object.assign(form.submit, { disabled: true, textContent: t("Sending…") });
    const subject = question.value.trim().slice(0, 300);
    const fields = Object.fromEntries(new FormData(form.el)); // name, email, message
    api("tickets", { ...fields, subject, url: location.href.slice(0, 2048), shown, source: "beacon", session: sid })
      .then((r) => {
        const error = r.data.error || {};
        if (r.status === 201) return thank(r.data.id);
        if (r.status === 400 && error.fields) {
          // Each problem next to its field; what they wrote stays.
          const bad = Object.keys(LABELS).filter((n) => error.fields[n]);
          bad.forEach((n) => setError(n, t("{field} {problem}.", { field: LABELS[n], problem: error.fields[n] })));
          return bad.length ? form[bad[0]].focus() : fail(error.message);
        }
        fail(t("Sorry, your message could not be sent. Please try again."));
      })
      .catch(() => fail(t("We couldn't reach the help center. Check your connection and try again.")))
      .then(() => Object.assign(form.submit, { disabled: false, textContent: t("Send message") }));
  }
  function thank(id) {
    art.done.textContent = t("Your ticket number is #{id}. We'll reply by email.", { id });
    form.el.reset();
    render(contact, [], "");
    shown = [], said = [], sid = Math.random() + ""; // a new conversation
    goto("thanks")();
  }

  function mount() {
    if (root) return;
    const host = h("div", { "data-kb-beacon": "" });
    root = host.attachShadow({ mode: "open" }); // open: pages and tests may look in
    launcher = button(t("Help"), "launcher", () => (panel.hidden ? open() : close()),
      { "aria-haspopup": "dialog", "aria-expanded": "false" });

    home = { ...makeList(t("Suggested articles")), none: t("No matching articles yet.") };
    question = h("input", { id: "kb-q", autocomplete: "off", placeholder: t("Type your question…"),
      oninput: () => suggestSoon(home, question.value) });
    views.home = h("div", {}, h("label", { htmlFor: "kb-q" }, t("Ask a question")), question, home.answer, home.hint, home.ul,
      h("div", { className: "more" }, button(t("Still need help? Contact us"), "b", goContact)));

    art.title = h("h2", { tabIndex: -1 });
    art.body = h("div", { className: "art" });
    art.thanks = h("p", { tabIndex: -1 }, t("Great, glad it helped!"));
    const yes = () => {
      vote(true);
      art.ask.hidden = true;
      art.thanks.hidden = false;
      art.thanks.focus(); // the button is gone: keep focus in the panel
    };
    art.ask = h("div", {}, h("p", {}, t("Did this answer your question?")), button(t("Yes"), "b", yes),
      button(t("No"), "b", () => (vote(false), goContact())));
    art.fb = h("div", { className: "fb" }, art.ask, art.thanks);
    views.article = h("div", {}, button(t("‹ Back"), "back", () => goto(previous)()), art.title, art.body, art.fb);

    // The form goes on suggesting articles for what they write.
    contact = makeList(t("These articles might help"));
    form.alert = h("p", { className: "err", role: "alert", hidden: true });
    form.submit = h("button", { className: "b go" }, t("Send message"));
    form.el = h("form", { noValidate: true, onsubmit: submit }, // the server says what is wrong
      field("name", LABELS.name, "text", "name"), field("email", LABELS.email, "email", "email"),
      field("message", t("How can we help?")), form.alert, form.submit, contact.answer, contact.hint, contact.ul);
    form.message.addEventListener("input", () => suggestSoon(contact, form.message.value));
    views.contact = h("div", {}, button(t("‹ Back"), "back", goto("home")), h("h2", {}, t("Contact us")), form.el);

    art.done = h("p");
    views.thanks = h("div", {}, h("h2", { tabIndex: -1 }, t("Thanks! We got your message.")), art.done,
      button(t("Back to help"), "b", goto("home")));

    panel = h("div", { className: "panel", hidden: true, role: "dialog", "aria-modal": "true",
      "aria-label": t("Help"), onkeydown: keys },
      h("div", { className: "top" }, h("p", {}, opt.greeting || t("Hi! How can we help?")),
        button("×", "x", close, { "aria-label": t("Close help") })),
      h("div", { className: "scroll" }, ...Object.values(views)));
    show("home");
    try { // a constructed sheet works under the host page's CSP; a <style> needs 'unsafe-inline' there
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { root.append(h("style", {}, STYLE)); }
    root.append(launcher, panel);
    document.body.append(host);
  }

  // Esc closes; Tab and Shift+Tab cycle in the open panel (it is modal).
  function keys(e) {
    if (e.key === "Escape") return e.preventDefault(), close();
    if (e.key !== "Tab") return;
    const items = [...panel.querySelectorAll("button,a[href],input,textarea")].filter((n) => !n.disabled && n.offsetParent);
    const [first, last, active] = [items[0], items.at(-1), root.activeElement];
    if (e.shiftKey ? active === first || !panel.contains(active) : active === last) {
      (e.shiftKey ? last : first).focus();
      e.preventDefault();
    }
  }

  function open() {
    mount();
    if (!panel.hidden) return;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    focusView();
    if (pageItems) return;
    // Before they type: the articles whose `suggest_for` rules match this page.
    const mine = (pageItems = []); // KB.suggest() may replace them
    api("suggest", { text: "", url: location.href.slice(0, 2048), limit: 5 }).then((r) => {
      if (pageItems === mine) pageItems = r.data.suggestions || [];
      showPageItems();
    }, () => {});
  }
  function close() {
    if (panel?.hidden === false) {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
  }
  // Open on the question box holding `text`, and its suggestions.
  function search(text) {
    open();
    goto("home")();
    question.value = text;
    suggest(home, text);
  }

  window.KB = {
    beacon: 1,
    open,
    close,
    search: (text) => search(String(text || "")),
    // Open with these articles suggested, instead of the page's own.
    suggest(slugs) {
      pageItems = [];
      search("");
      return Promise.all(slugs.map((slug) => getArticle(slug).catch(() => null))).then((found) => {
        pageItems = found.filter(Boolean);
        showPageItems();
      });
    },
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
