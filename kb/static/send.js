/* kbSend(events, {base, fallback}): analytics events to /api/v1/events, fire-and-forget; the one copy. Pages load it
 * first (templates/base.html); /beacon.js serves it in the beacon's closure (kb/web/beacon.py). ES5, like the pages.
 * base: the help center's URL for another site's page ("" = here). fallback: false = sendBeacon only, else a
 * keepalive fetch when sendBeacon is missing or refuses. locale: sent with the events as `locale` (the beacon's). */
var kbSend = (function () {
  "use strict";

  function send(events, options) {
    options = options || {};
    try {
      var url = (options.base || "") + "/api/v1/events";
      var body = JSON.stringify(options.locale ? { events: events, locale: options.locale } : { events: events });
      if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
      if (options.fallback === false) return;
      fetch(url, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } })
        .catch(function () {});
    } catch (e) { /* never mind */ }
  }

  return send;
})();
