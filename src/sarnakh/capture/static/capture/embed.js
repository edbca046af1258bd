/* Sarnakh form embed. Renders <div data-sarnakh-form="slug"></div> from the form's public
   definition, submits with fetch (no reload), shows field errors inline and the thank-you
   message, and sends the visitor id, page URL, referrer and UTM parameters.
   Each submission attempt carries its own Idempotency-Key, kept while the attempt is
   retried, so a submission whose answer was lost is not stored twice.
   No dependencies; user data only ever goes into the page through textContent/value. */
(function () {
  "use strict";
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='/embed.js']");
    return all[all.length - 1];
  })();
  if (!script) return;
  var base = script.src.replace(/\/f\/[^\/]+\/embed\.js.*$/, "");
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var RETRY_DELAYS = [1000, 3000];  // automatic retries of a send that got no answer or a 5xx
  var CSS = ".sarnakh-embed{font:inherit;max-width:560px}.sarnakh-embed form{display:grid;gap:14px}" +
    ".sarnakh-embed .sf-field{display:grid;gap:4px}.sarnakh-embed label.sf-label,.sarnakh-embed legend{font-weight:600}" +
    ".sarnakh-embed input[type=text],.sarnakh-embed input[type=email],.sarnakh-embed input[type=tel],.sarnakh-embed select,.sarnakh-embed textarea" +
    "{box-sizing:border-box;width:100%;font:inherit;padding:9px 10px;border:1px solid #cfd4e0;border-radius:8px;min-height:42px}" +
    ".sarnakh-embed fieldset{border:0;padding:0;margin:0;display:grid;gap:4px}.sarnakh-embed .sf-check{display:flex;gap:8px;align-items:flex-start}" +
    ".sarnakh-embed .sf-error{color:#c8283c;font-size:.92em}.sarnakh-embed .sf-invalid input,.sarnakh-embed .sf-invalid select,.sarnakh-embed .sf-invalid textarea{border-color:#c8283c}" +
    ".sarnakh-embed .sf-help{color:#5b6478;font-size:.9em}.sarnakh-embed .sf-alert{background:#fdecef;color:#8a1c2b;border-radius:8px;padding:8px 10px}" +
    ".sarnakh-embed .sf-thanks{background:#e8f6ee;color:#14532d;border-radius:8px;padding:14px}" +
    ".sarnakh-embed .sf-submit{font:inherit;font-weight:600;background:#4f46e5;color:#fff;border:0;border-radius:8px;padding:11px 18px;cursor:pointer}" +
    ".sarnakh-embed .sf-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var key in attrs) if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    if (text) node.textContent = text;
    return node;
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var id = Date.now().toString(36) + "-";
    for (var i = 0; i < 3; i++) id += Math.random().toString(36).slice(2, 10);
    return id;
  }

  function visitorId() {
    var match = document.cookie.match(/(?:^|;\s*)sarnakh_vid=([A-Za-z0-9_.:-]{1,64})/);
    if (match) return match[1];
    var id = null;
    try { id = localStorage.getItem("sarnakh_vid"); } catch (e) { /* storage blocked */ }
    if (!id || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
      id = randomId();
      try { localStorage.setItem("sarnakh_vid", id); } catch (e) { /* storage blocked */ }
    }
    return id;
  }

  function context(vid) {
    var ctx = { visitor_id: vid, page_url: location.href.slice(0, 2000), referrer: document.referrer.slice(0, 2000) };
    var params = new URLSearchParams(location.search);
    UTM.forEach(function (key) { if (params.get(key)) ctx[key] = params.get(key).slice(0, 200); });
    return ctx;
  }

  function addCss() {
    if (document.getElementById("sarnakh-embed-css")) return;
    var style = el("style", { id: "sarnakh-embed-css" });
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function required(f, node) {
    if (f.required) node.appendChild(el("span", { "aria-hidden": "true", style: "color:#c8283c" }, " *"));
  }

  function renderField(f, uid) {
    if (f.type === "hidden") return el("input", { type: "hidden", name: f.name, value: f.value || "" });
    var wrap = el("div", { "class": "sf-field", "data-field": f.name });
    var id = uid + "-" + f.name;
    if (f.type === "checkbox") {
      var label = el("label", { "class": "sf-check" });
      label.appendChild(el("input", { type: "checkbox", id: id, name: f.name, value: "on" }));
      label.appendChild(el("span", null, f.label));
      required(f, label);
      wrap.appendChild(label);
    } else if (f.type === "multi_choice") {
      var set = el("fieldset");
      var legend = el("legend", null, f.label);
      required(f, legend);
      set.appendChild(legend);
      (f.choices || []).forEach(function (c) {
        var row = el("label", { "class": "sf-check" });
        row.appendChild(el("input", { type: "checkbox", name: f.name, value: c.value }));
        row.appendChild(el("span", null, c.label));
        set.appendChild(row);
      });
      wrap.appendChild(set);
    } else {
      var lab = el("label", { "for": id, "class": "sf-label" }, f.label);
      required(f, lab);
      wrap.appendChild(lab);
      var input;
      if (f.type === "textarea") {
        input = el("textarea", { id: id, name: f.name, rows: "4", maxlength: f.max_length, placeholder: f.placeholder || null });
      } else if (f.type === "choice") {
        input = el("select", { id: id, name: f.name });
        input.appendChild(el("option", { value: "" }, "…"));
        (f.choices || []).forEach(function (c) { input.appendChild(el("option", { value: c.value }, c.label)); });
      } else {
        var type = f.type === "email" ? "email" : f.type === "phone" ? "tel" : "text";
        input = el("input", { id: id, name: f.name, type: type, maxlength: f.max_length, placeholder: f.placeholder || null,
          dir: (f.type === "email" || f.type === "phone") ? "ltr" : null, inputmode: f.type === "number" ? "decimal" : null });
      }
      wrap.appendChild(input);
    }
    if (f.help_text) wrap.appendChild(el("div", { "class": "sf-help" }, f.help_text));
    return wrap;
  }

  function collect(form, def) {
    var fields = {};
    def.fields.forEach(function (f) {
      var inputs = form.querySelectorAll("[name='" + f.name + "']");
      if (f.type === "multi_choice") {
        fields[f.name] = Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
      } else if (f.type === "checkbox") {
        fields[f.name] = !!(inputs[0] && inputs[0].checked);
      } else if (inputs[0]) {
        fields[f.name] = inputs[0].value;
      }
    });
    return fields;
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".sf-error,.sf-alert"), function (n) { n.parentNode.removeChild(n); });
    Array.prototype.forEach.call(form.querySelectorAll(".sf-invalid"), function (n) { n.classList.remove("sf-invalid"); });
  }

  function showErrors(form, body, fallback) {
    var error = (body && body.error) || {};
    var fields = error.fields || {};
    var alert = el("div", { "class": "sf-alert", role: "alert" }, error.message || fallback);
    form.insertBefore(alert, form.firstChild);
    Object.keys(fields).forEach(function (name) {
      var box = form.querySelector("[data-field='" + (name === "_consent" ? "_consent" : name) + "']");
      (fields[name] || []).forEach(function (message) {
        var line = el("div", { "class": "sf-error", role: "alert" }, message);
        if (box) { box.classList.add("sf-invalid"); box.appendChild(line); } else { alert.appendChild(line); }
      });
    });
  }

  function render(host, def, vid) {
    var uid = "sarnakh-" + def.slug;
    var form = el("form", { novalidate: true, "accept-charset": "utf-8" });
    host.textContent = "";
    host.classList.add("sarnakh-embed");
    host.setAttribute("dir", def.dir);
    host.setAttribute("lang", def.language);
    if (def.title) form.appendChild(el("h2", null, def.title));
    if (def.intro) form.appendChild(el("p", null, def.intro));
    def.fields.forEach(function (f) { form.appendChild(renderField(f, uid)); });
    if (def.consent && def.consent.enabled) {
      var box = el("div", { "class": "sf-field", "data-field": "_consent" });
      var label = el("label", { "class": "sf-check" });
      label.appendChild(el("input", { type: "checkbox", name: "_consent", value: "on" }));
      label.appendChild(el("span", null, def.consent.text));
      box.appendChild(label);
      form.appendChild(box);
    }
    var hp = el("div", { "class": "sf-hp", "aria-hidden": "true" });
    hp.appendChild(el("input", { type: "text", name: "_hp", tabindex: "-1", autocomplete: "off" }));
    form.appendChild(hp);
    var button = el("button", { type: "submit", "class": "sf-submit" }, def.submit_label);
    form.appendChild(button);
    host.appendChild(form);

    // The attempt still without a final answer: sending the same values again reuses its key.
    var pending = null;

    function send(payload, key, tries) {
      var headers = { "Content-Type": "application/json", "Idempotency-Key": key };
      return fetch(def.submit_url, { method: "POST", mode: "cors", credentials: "omit", headers: headers, body: JSON.stringify(payload) })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
        }, function () { return { status: 0, body: {} }; })
        .then(function (result) {
          if ((result.status === 0 || result.status >= 500) && tries < RETRY_DELAYS.length) {
            return new Promise(function (resolve) { setTimeout(resolve, RETRY_DELAYS[tries]); }).then(function () { return send(payload, key, tries + 1); });
          }
          return result;
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      button.disabled = true;
      button.textContent = def.texts.sending;
      var consent = form.querySelector("[name='_consent']");
      var payload = { fields: collect(form, def), context: context(vid), _ts: def.ts, _hp: form.querySelector("[name='_hp']").value,
        consent: !!(consent && consent.checked), lang: def.language };
      var values = JSON.stringify([payload.fields, payload.consent]);
      if (!pending || pending.values !== values) pending = { values: values, key: randomId() };
      send(payload, pending.key, 0)
        .then(function (result) {
          button.disabled = false;
          button.textContent = def.submit_label;
          // A final answer ends the attempt; no answer, a 5xx or a 429 (nothing stored) leave it open.
          if (result.status !== 0 && result.status < 500 && result.status !== 429) pending = null;
          if (result.status === 201) {
            if (result.body.redirect) { window.location.href = result.body.redirect; return; }
            host.textContent = "";
            host.appendChild(el("div", { "class": "sf-thanks", role: "status" }, result.body.message));
          } else if (result.status === 429) {
            showErrors(form, null, def.texts.rate_limited);
          } else if (result.status === 0) {
            showErrors(form, null, def.texts.error);
          } else {
            showErrors(form, result.body, result.status === 422 ? def.texts.correct : def.texts.error);
          }
        })
        .catch(function () {
          button.disabled = false;
          button.textContent = def.submit_label;
          showErrors(form, null, def.texts.error);
        });
    });
  }

  function start() {
    addCss();
    var vid = visitorId();
    Array.prototype.forEach.call(document.querySelectorAll("[data-sarnakh-form]"), function (host) {
      if (host.getAttribute("data-sarnakh-ready")) return;
      host.setAttribute("data-sarnakh-ready", "1");
      var slug = encodeURIComponent(host.getAttribute("data-sarnakh-form"));
      var lang = host.getAttribute("data-lang") || "";
      var url = base + "/api/v1/forms/" + slug + "/public?view=embed&lang=" + encodeURIComponent(lang) + "&visitor_id=" + encodeURIComponent(vid);
      fetch(url, { mode: "cors", credentials: "omit" })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
        .then(function (def) { render(host, def, vid); })
        .catch(function () { host.textContent = ""; });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
