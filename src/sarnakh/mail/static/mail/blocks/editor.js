/* The email block editor: keeps the block document as JSON in the hidden `blocks` field of
   the template form, shows the blocks as a list (add, move up/down, delete, choose) and the
   chosen block's fields beside it. Every change updates the hidden field; the form's htmx
   preview posts it (typing: after a pause; adding, moving or deleting: at once), and the
   errors the server finds are shown on the block they name (`blocks[2].columns[1][0].href`).
   No inline script or handler (the site's CSP): words come from json_script elements. */
(function () {
  "use strict";
  var root = document.getElementById("block-editor");
  if (!root) return;
  var hidden = document.getElementById("blocks-json");
  var listEl = document.getElementById("block-list");
  var formEl = document.getElementById("block-form");
  var T = readJson("block-editor-strings", {});
  var savedBlocks = readJson("block-editor-saved", []);
  var allowSaved = root.getAttribute("data-allow-saved") === "1";
  var persian = (document.documentElement.lang || "").indexOf("fa") === 0;
  var doc = parseDoc(hidden.value);
  var errors = errorMap(readJson("block-editor-errors", []));
  var selected = doc.blocks.length ? "blocks[0]" : null;

  var DEFAULTS = {
    heading: function () { return { type: "heading", text: "", level: 1 }; },
    text: function () { return { type: "text", text: "" }; },
    image: function () { return { type: "image", src: "https://", alt: "" }; },
    button: function () { return { type: "button", label: "", href: "https://" }; },
    columns: function () { return { type: "columns", columns: [[], []] }; },
    divider: function () { return { type: "divider" }; },
    spacer: function () { return { type: "spacer", height: 24 }; }
  };
  var OPTIONAL_TEXT = { align: 1, color: 1, background: 1, href: 1, alt: 1 };

  function readJson(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent); } catch (e) { return fallback; }
  }
  function parseDoc(text) {
    var value;
    try { value = JSON.parse(text || "{}"); } catch (e) { value = {}; }
    if (!value || typeof value !== "object" || Array.isArray(value)) value = {};
    if (!Array.isArray(value.blocks)) value.blocks = [];
    if (!value.version) value.version = 1;
    return value;
  }
  function errorMap(list) {
    var map = {};
    (list || []).forEach(function (e) { (map[e.key] = map[e.key] || []).push(e.message); });
    return map;
  }
  function digits(text) {
    text = String(text);
    return persian ? text.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : text;
  }
  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (m, k) { return values[k]; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* Paths: "blocks[2]" or "blocks[2].columns[1][0]". */
  function locate(path) {
    var m = /^blocks\[(\d+)\](?:\.columns\[(\d+)\]\[(\d+)\])?$/.exec(path || "");
    if (!m) return null;
    var list = doc.blocks, index = +m[1];
    if (m[2] !== undefined) {
      var parent = list[index];
      if (!parent || !Array.isArray(parent.columns) || !Array.isArray(parent.columns[+m[2]])) return null;
      list = parent.columns[+m[2]]; index = +m[3];
    }
    return index < list.length ? { list: list, index: index, block: list[index], prefix: path.replace(/\[\d+\]$/, "") } : null;
  }

  function sync(structural) {
    hidden.value = JSON.stringify(doc);
    if (structural) hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function summary(block) {
    var text = "";
    if (block.type === "heading" || block.type === "text") text = String(block.text || "").replace(/<[^>]*>/g, " ");
    else if (block.type === "button") text = block.label || "";
    else if (block.type === "image") text = block.alt || block.src || "";
    else if (block.type === "spacer") text = fmt(T.pixels, { n: digits(block.height || 24) });
    else if (block.type === "saved") {
      var found = savedBlocks.filter(function (s) { return s.id === block.id; })[0];
      text = found ? found.name : T.missing;
    }
    text = text.replace(/\s+/g, " ").trim();
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  function errorList(messages) {
    if (!messages || !messages.length) return null;
    return el("ul", { "class": "field-error block-errors", role: "alert" }, messages.map(function (m) { return el("li", { text: m }); }));
  }
  function errorsOf(path, withFields) {
    var out = [];
    Object.keys(errors).forEach(function (key) {
      if (key === path || (withFields && key.indexOf(path + ".") === 0 && !/^\.columns\[/.test(key.slice(path.length)))) out = out.concat(errors[key]);
    });
    return out;
  }

  function typeOptions(exclude) {
    return Object.keys(DEFAULTS).filter(function (t) { return exclude.indexOf(t) < 0; })
      .map(function (t) { return el("option", { value: t, text: T.types[t] }); });
  }

  function item(block, path, list, index) {
    var li = el("li", { "class": "block-item" + (path === selected ? " is-selected" : "") + (errorsOf(path, true).length ? " has-error" : ""), "data-path": path, "data-type": block.type });
    var head = el("div", { "class": "block-head" }, [
      el("button", { type: "button", "class": "block-pick", "data-act": "pick", "aria-pressed": path === selected ? "true" : "false" }, [
        el("strong", { text: T.types[block.type] || block.type }),
        el("span", { "class": "block-summary uv", dir: "auto", text: summary(block) })
      ]),
      el("span", { "class": "block-actions" }, [
        el("button", { type: "button", "class": "btn btn-ghost btn-sm", "data-act": "up", title: T.up, "aria-label": T.up, disabled: index === 0 ? "disabled" : null, text: "↑" }),
        el("button", { type: "button", "class": "btn btn-ghost btn-sm", "data-act": "down", title: T.down, "aria-label": T.down, disabled: index === list.length - 1 ? "disabled" : null, text: "↓" }),
        el("button", { type: "button", "class": "btn btn-ghost btn-sm", "data-act": "remove", title: T.remove, "aria-label": T.remove, text: "✕" })
      ])
    ]);
    li.appendChild(head);
    var errs = errorList(errorsOf(path, true));
    if (errs) li.appendChild(errs);
    if (block.type === "columns" && Array.isArray(block.columns)) {
      var cols = el("div", { "class": "block-columns" });
      block.columns.forEach(function (column, c) {
        var colPath = path + ".columns[" + c + "]";
        var ol = el("ol", { "class": "block-list block-sublist" });
        (column || []).forEach(function (inner, j) { ol.appendChild(item(inner, colPath + "[" + j + "]", column, j)); });
        var select = el("select", { "class": "block-add-type", "aria-label": T.add_here }, typeOptions(["columns"]));
        cols.appendChild(el("div", { "class": "block-column" }, [
          el("div", { "class": "muted small", text: fmt(T.column, { n: digits(c + 1) }) }), ol,
          el("div", { "class": "block-add-here" }, [select,
            el("button", { type: "button", "class": "btn btn-ghost btn-sm", "data-act": "add-in", "data-column": String(c), text: T.add_here })])
        ]));
      });
      li.appendChild(cols);
    }
    return li;
  }

  function renderList() {
    listEl.textContent = "";
    if (!doc.blocks.length) listEl.appendChild(el("li", { "class": "muted", text: T.empty }));
    doc.blocks.forEach(function (block, i) { listEl.appendChild(item(block, "blocks[" + i + "]", doc.blocks, i)); });
  }
  function render() { renderList(); renderForm(); }

  /* New errors for the chosen block's fields, without rebuilding the fields being typed in. */
  function updateFormErrors() {
    formEl.querySelectorAll("[data-block-field]").forEach(function (input) {
      var wrap = input.closest("label");
      var old = wrap.querySelector(".block-errors");
      if (old) old.remove();
      var errs = selected && errorList(errors[selected + "." + input.getAttribute("data-block-field")]);
      if (errs) wrap.appendChild(errs);
    });
  }

  function field(block, path, name, kind, options) {
    var id = "bf-" + name;
    var value = block[name];
    var input;
    if (kind === "textarea") {
      input = el("textarea", { id: id, rows: "6", dir: "auto" });
      input.value = value || "";
    } else if (kind === "select") {
      input = el("select", { id: id }, Object.keys(options).map(function (k) {
        return el("option", { value: k, text: options[k], selected: String(value === undefined ? "" : value) === k ? "selected" : null });
      }));
    } else {
      input = el("input", { id: id, type: kind, dir: kind === "text" ? "auto" : "ltr" });
      if (kind === "color") input.value = value || (name === "background" ? "#1d4ed8" : name === "color" && block.type === "button" ? "#ffffff" : "#1f2937");
      else input.value = value === undefined || value === null ? "" : value;
      if (kind === "number") { input.setAttribute("min", options.min); input.setAttribute("max", options.max); }
      if (kind === "url") input.setAttribute("dir", "ltr");
    }
    input.setAttribute("data-block-field", name);
    input.addEventListener("input", function () { update(path, name, kind, input.value); });
    input.addEventListener("change", function () { update(path, name, kind, input.value); });
    var wrap = el("label", { "class": "field", "for": id }, [document.createTextNode(T.fields[name] || name), input]);
    var errs = errorList(errors[path + "." + name]);
    if (errs) wrap.appendChild(errs);
    return wrap;
  }

  function update(path, name, kind, raw) {
    var found = locate(path);
    if (!found) return;
    var block = found.block;
    if (kind === "number" || name === "level") {
      var n = parseInt(raw, 10);
      if (isNaN(n)) delete block[name]; else block[name] = n;
    } else if (raw === "" && OPTIONAL_TEXT[name]) {
      delete block[name];
    } else {
      block[name] = raw;
    }
    var summaryEl = listEl.querySelector('[data-path="' + path + '"] > .block-head .block-summary');
    if (summaryEl) summaryEl.textContent = summary(block);
    sync(false);
  }

  function renderForm() {
    formEl.textContent = "";
    var found = selected && locate(selected);
    if (!found) { formEl.appendChild(el("p", { "class": "muted", text: T.choose })); return; }
    var b = found.block, path = selected;
    formEl.appendChild(el("h3", { text: fmt(T.editing, { what: T.types[b.type] || b.type }) }));
    var aligns = T.aligns;
    var parts = [];
    if (b.type === "heading") parts = [field(b, path, "text", "text"), field(b, path, "level", "select", T.levels), field(b, path, "align", "select", aligns)];
    else if (b.type === "text") parts = [field(b, path, "text", "textarea"), el("p", { "class": "help", text: T.text_help }), field(b, path, "align", "select", aligns)];
    else if (b.type === "image") parts = [field(b, path, "src", "url"), field(b, path, "alt", "text"), field(b, path, "width", "number", { min: 20, max: 600 }), field(b, path, "href", "url"), field(b, path, "align", "select", aligns)];
    else if (b.type === "button") parts = [field(b, path, "label", "text"), field(b, path, "href", "url"), field(b, path, "background", "color"), field(b, path, "color", "color"), field(b, path, "align", "select", aligns)];
    else if (b.type === "spacer") parts = [field(b, path, "height", "number", { min: 4, max: 200 })];
    else if (b.type === "columns") {
      var count = el("select", { id: "bf-count", "data-block-field": "count" }, ["2", "3"].map(function (k) {
        return el("option", { value: k, text: digits(k), selected: (b.columns || []).length === +k ? "selected" : null });
      }));
      count.addEventListener("change", function () { setColumns(path, +count.value); });
      parts = [el("label", { "class": "field", "for": "bf-count" }, [document.createTextNode(T.fields.count), count])];
    } else if (b.type === "saved") {
      var link = el("a", { href: root.getAttribute("data-saved-url").replace(/\/0\/$/, "/" + b.id + "/"), text: T.saved_open });
      parts = [el("p", { "class": "uv", dir: "auto", text: summary(b) }), el("p", { "class": "help", text: T.saved_note }), el("p", {}, [link])];
    } else parts = [el("p", { "class": "muted", text: T.nothing })];
    parts.forEach(function (p) { formEl.appendChild(p); });
  }

  function setColumns(path, n) {
    var found = locate(path);
    if (!found || found.block.type !== "columns") return;
    var cols = found.block.columns || [];
    while (cols.length < n) cols.push([]);
    while (cols.length > n) { var last = cols.pop(); cols[cols.length - 1] = cols[cols.length - 1].concat(last); }
    found.block.columns = cols;
    render(); sync(true);
  }

  function add(type, list, prefix) {
    var block;
    if (type === "saved") {
      var choice = document.getElementById("saved-block-choice");
      if (!allowSaved || !choice || !choice.value) return;
      block = { type: "saved", id: parseInt(choice.value, 10) };
    } else if (DEFAULTS[type]) block = DEFAULTS[type]();
    else return;
    list.push(block);
    selected = prefix + "[" + (list.length - 1) + "]";
    render(); sync(true);
    var first = formEl.querySelector("input, textarea, select");
    if (first) first.focus();
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !root.contains(button)) return;
    var addType = button.getAttribute("data-add");
    if (addType) { event.preventDefault(); add(addType, doc.blocks, "blocks"); return; }
    var act = button.getAttribute("data-act");
    var itemEl = button.closest("[data-path]");
    if (!act || !itemEl) return;
    event.preventDefault();
    var path = itemEl.getAttribute("data-path");
    var found = locate(path);
    if (!found) return;
    if (act === "pick") { selected = path; render(); return; }
    if (act === "add-in") {
      var column = found.block.columns[+button.getAttribute("data-column")];
      var type = button.parentNode.querySelector("select").value;
      add(type, column, path + ".columns[" + button.getAttribute("data-column") + "]");
      return;
    }
    var list = found.list, i = found.index;
    if (act === "up" && i > 0) { list.splice(i - 1, 0, list.splice(i, 1)[0]); selected = found.prefix + "[" + (i - 1) + "]"; }
    else if (act === "down" && i < list.length - 1) { list.splice(i + 1, 0, list.splice(i, 1)[0]); selected = found.prefix + "[" + (i + 1) + "]"; }
    else if (act === "remove") { list.splice(i, 1); selected = null; }
    errors = {};
    render(); sync(true);
  });

  /* The preview answer carries the server's errors for the blocks just posted. */
  document.body.addEventListener("htmx:afterSettle", function () {
    var fresh = document.getElementById("block-errors-data");
    if (!fresh) return;
    var list;
    try { list = JSON.parse(fresh.textContent); } catch (e) { return; }
    var next = errorMap(list);
    if (JSON.stringify(next) === JSON.stringify(errors)) return;
    errors = next;
    renderList();
    updateFormErrors();
  });

  render();
  sync(false);
})();
