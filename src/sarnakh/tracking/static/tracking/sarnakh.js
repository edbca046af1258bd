/* Sarnakh tracker, loaded by the inline snippet (see tracking/snippet.py and docs/tracking.md).
   No dependencies, no globals besides window.sarnakh, and it never throws into the host page.
   Served with full-line // comments and indentation stripped, then gzipped. */
(function (w, d) {
  "use strict";
  var VID = "sarnakh_vid", UID = "sarnakh_uid", CONSENT = "sarnakh_consent";
  var ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
  var TWO_YEARS = 63072000, FLUSH_MS = 3000, FLUSH_AT = 15, BATCH = 20, MAX_TRIES = 8, MAX_WAIT = 60000;
  var TYPE = "text/plain;charset=UTF-8";
  var api, siteKey, endpoint, honourDnt, waiting;
  var queue = [], vid = null, timer = null, inflight = null, tries = 0, retryAt = 0, lastUrl = "", started = false;

  function find() {
    var all = d.querySelectorAll("script[data-site]");
    for (var i = all.length - 1; i >= 0; i--) if (/\/t\/sarnakh\.js(\?.*)?$/.test(all[i].src)) return all[i];
    return null;
  }

  function safe(fn) {
    return function () {
      try { return fn.apply(null, arguments); } catch (e) { /* never break the host page */ }
    };
  }

  function load(key) {
    try { return w.localStorage.getItem(key); } catch (e) { return null; }
  }

  function store(key, value) {
    try {
      if (value === null) w.localStorage.removeItem(key); else w.localStorage.setItem(key, value);
    } catch (e) { /* storage blocked */ }
  }

  function randomId() {
    var c = w.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var id = Date.now().toString(36) + "-";
    for (var i = 0; i < 3; i++) id += Math.random().toString(36).slice(2, 10);
    return id;
  }

  function dnt() {
    var n = w.navigator;
    return n.doNotTrack == "1" || n.doNotTrack == "yes" || w.doNotTrack == "1" || n.globalPrivacyControl === true;
  }

  function enabled() {
    return load(CONSENT) !== "0" && !(honourDnt && dnt());
  }

  function setCookie(value, maxAge) {
    d.cookie = VID + "=" + value + "; path=/; max-age=" + maxAge + "; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }

  // Keeps the id in the cookie the form embed reads first, and in localStorage in case cookies are cleared.
  function saveVisitor(id) {
    vid = id;
    setCookie(id, TWO_YEARS);
    store(VID, id);
  }

  function visitor() {
    if (vid) return vid;
    var match = /(?:^|;\s*)sarnakh_vid=([^;]*)/.exec(d.cookie);
    var id = match && ID_RE.test(match[1]) ? match[1] : load(VID);
    saveVisitor(id && ID_RE.test(id) ? id : randomId());
    return vid;
  }

  // FNV-1a: enough to tell two emails apart without keeping the address in the browser.
  function hash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return "h" + (h >>> 0).toString(36);
  }

  function props(value) {
    var out = {};
    if (value && typeof value === "object") for (var key in value) if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = value[key];
    return out;
  }

  function pageUrl() {
    return location.href.slice(0, 2000);
  }

  function push(event) {
    if (!enabled()) return;
    event.id = randomId();
    event.visitor_id = visitor();
    event.timestamp = new Date().toISOString();
    event.url = pageUrl();
    queue.push(event);
    if (queue.length >= FLUSH_AT) flush(); else later(FLUSH_MS);
  }

  function later(ms) {
    if (!timer) timer = setTimeout(function () { timer = null; flush(); }, ms);
  }

  function body(events) {
    return JSON.stringify({ site_key: siteKey, sent_at: new Date().toISOString(), events: events });
  }

  function post(text) {
    // text/plain keeps it a simple request: no CORS preflight. Browsers cap keepalive bodies at 64 KB.
    return w.fetch(endpoint, {
      method: "POST", body: text, keepalive: text.length < 60000, credentials: "omit", headers: { "Content-Type": TYPE }
    }).then(function (response) { return response.status; }, function () { return 0; });
  }

  function flush() {
    if (inflight || !queue.length || !w.fetch) return;
    var wait = retryAt - Date.now();
    if (wait > 0) return later(wait);
    var batch = inflight = queue.slice(0, BATCH);
    post(body(batch)).then(safe(function (status) {
      inflight = null;
      // Network errors, 5xx and 429 are worth another try; any other 4xx will not get better
      // (the server kept the good events and named the bad ones). Retries resend the same
      // event ids, so the server stores each event once.
      var again = (status === 0 || status === 429 || status >= 500) && ++tries < MAX_TRIES;
      if (again && queue[0] === batch[0]) {
        retryAt = Date.now() + Math.min(1000 * Math.pow(2, tries - 1), MAX_WAIT);
        later(retryAt - Date.now());
        return;
      }
      // Checked because consent(false) may have emptied the queue meanwhile.
      if (queue[0] === batch[0]) queue.splice(0, batch.length);
      tries = 0;
      retryAt = 0;
      if (queue.length >= FLUSH_AT) flush(); else if (queue.length) later(FLUSH_MS);
    }));
  }

  // The page is going away (or may be killed in the background): hand everything left to the
  // browser. A batch already out travels with keepalive and is left alone.
  function flushAll() {
    var out = inflight && queue[0] === inflight[0] ? inflight.length : 0;
    var rest = queue.slice(out);
    queue.length = out;
    for (var i = 0; i < rest.length; i += BATCH) {
      var text = body(rest.slice(i, i + BATCH));
      var beaconed = false;
      try { beaconed = w.navigator.sendBeacon && w.navigator.sendBeacon(endpoint, new Blob([text], { type: TYPE })); } catch (e) { /* fall back */ }
      if (!beaconed) post(text);
    }
  }

  function pageView() {
    var url = pageUrl();
    var event = { type: "page_view", title: d.title.slice(0, 300), properties: { screen: w.screen.width + "x" + w.screen.height, language: w.navigator.language } };
    // The first view's referrer is the browser's; later views of a single-page app come from the previous one.
    var referrer = lastUrl || d.referrer;
    if (referrer) event.referrer = referrer.slice(0, 2000);
    lastUrl = url;
    push(event);
  }

  function track(name, properties) {
    if (typeof name !== "string" || !name) return;
    push({ type: "track", name: name.slice(0, 100), properties: props(properties) });
  }

  function identify(traits) {
    traits = props(traits);
    var email = typeof traits.email === "string" ? traits.email.trim().toLowerCase() : "";
    if (!enabled()) return;
    if (email) {
      var mark = hash(email), before = load(UID);
      // Someone else on this browser: their history must not join the previous person's.
      if (before && before !== mark) saveVisitor(randomId());
      store(UID, mark);
    }
    push({ type: "identify", properties: traits });
  }

  function consent(granted) {
    if (granted === false) {
      store(CONSENT, "0");
      queue.length = 0;
      clearTimeout(timer);
      timer = null;
      tries = retryAt = 0;
      if (vid || /(?:^|;\s*)sarnakh_vid=/.test(d.cookie)) setCookie("", 0);
      store(VID, null);
      store(UID, null);
      vid = null;
    } else if (load(CONSENT) === "0") {
      store(CONSENT, null);
      if (started && enabled()) pageView();
    }
  }

  // Links in Sarnakh's emails carry _sk=<token>; the server checks it and names the visitor.
  // The token leaves the address bar so it is neither bookmarked nor shared.
  function emailLink() {
    if (!w.URLSearchParams) return;
    var params = new URLSearchParams(location.search), token = params.get("_sk");
    if (token === null) return;
    params["delete"]("_sk");
    var search = params.toString();
    if (w.history && history.replaceState) history.replaceState(history.state, "", location.pathname + (search ? "?" + search : "") + location.hash);
    if (token) push({ type: "identify", properties: { contact_token: token.slice(0, 500) } });
  }

  function onClick(event) {
    var target = event.target, el = target && target.closest && target.closest("[data-sarnakh-cta]");
    if (!el) return;
    var label = (el.getAttribute("data-sarnakh-cta") || el.textContent || "").replace(/\s+/g, " ").trim();
    var link = el.closest("a[href]");
    var properties = { label: label.slice(0, 200) };
    if (link) properties.href = link.href.slice(0, 2000);
    track("cta_click", properties);
  }

  var methods = { track: track, identify: identify, consent: consent, page: pageView };

  function start() {
    var rest = [], i, call;
    // Calls that decide whether, or as whom, to record go before the page view; the rest after it.
    for (i = 0; i < waiting.length; i++) {
      call = waiting[i];
      if (!call || !methods[call[0]]) continue;
      if (call[0] === "consent" || call[0] === "identify") api[call[0]].apply(null, call[1] || []); else rest.push(call);
    }
    emailLink();
    if (enabled()) pageView();
    started = true;
    for (i = 0; i < rest.length; i++) api[rest[i][0]].apply(null, rest[i][1] || []);
  }

  function init() {
    api = w.sarnakh = w.sarnakh || { q: [] };
    // The snippet pasted twice loads the script twice: the first copy keeps the page.
    if (api.loaded) return;
    var script = d.currentScript || find();
    var origin = script && /^https?:\/\/[^\/]+/.exec(script.src);
    if (!origin) return;
    siteKey = script.getAttribute("data-site") || "";
    endpoint = origin[0] + "/api/v1/events";
    honourDnt = script.getAttribute("data-dnt") !== "ignore";
    waiting = api.q || [];
    for (var name in methods) api[name] = safe(methods[name]);
    api.q = [];
    api.loaded = true;
    d.addEventListener("click", safe(onClick), true);
    d.addEventListener("visibilitychange", safe(function () { if (d.visibilityState === "hidden") flushAll(); }));
    w.addEventListener("pagehide", safe(flushAll));
    start();
  }

  safe(init)();
})(window, document);
