/* Scoring model editor: adds, removes and moves rule and condition rows in the browser,
   and fetches the impact preview in place. Without this script every button posts the
   form and the server does the same (the rows are named by tokens, never renumbered). */
(function () {
  "use strict";
  var form = document.getElementById("model-editor");
  if (!form) return;

  function nextToken(prefix, selector, attribute) {
    var highest = -1;
    form.querySelectorAll(selector).forEach(function (el) {
      var match = (el.getAttribute(attribute) || "").match(new RegExp("^" + prefix + "(\\d+)$"));
      if (match) highest = Math.max(highest, parseInt(match[1], 10));
    });
    return prefix + (highest + 1);
  }

  function fromTemplate(id, replacements) {
    var html = document.getElementById(id).innerHTML;
    Object.keys(replacements).forEach(function (key) { html = html.split(key).join(replacements[key]); });
    var holder = document.createElement(id.indexOf("rule") >= 0 ? "table" : "div");
    holder.innerHTML = html;
    return holder.querySelector(id.indexOf("rule") >= 0 ? "tbody" : ".condition");
  }

  function syncCondition(cond) {
    var field = cond.querySelector("[data-field]");
    var op = cond.querySelector("[data-op]");
    var propWrap = cond.querySelector("[data-prop-wrap]");
    var valueWrap = cond.querySelector("[data-value-wrap]");
    if (field && propWrap) propWrap.hidden = !/\.$/.test(field.value);
    if (op && valueWrap) {
      var chosen = op.options[op.selectedIndex];
      valueWrap.hidden = chosen && chosen.getAttribute("data-kind") === "none";
    }
  }

  function addCondition(rule) {
    var token = rule.getAttribute("data-rule");
    var cond = fromTemplate("tpl-" + rule.getAttribute("data-kind") + "-condition", {
      "__T__": token, "__C__": nextToken(token + "c", "[data-cond]", "data-cond")
    });
    rule.querySelector("[data-cond-list]").appendChild(cond);
    syncCondition(cond);
    return cond;
  }

  function addRule(kind) {
    var token = nextToken(kind === "fit" ? "f" : "e", "[data-rule]", "data-rule");
    var rule = fromTemplate("tpl-" + kind + "-rule", { "__T__": token });
    document.getElementById(kind + "-rules").appendChild(rule);
    if (kind === "fit") addCondition(rule); // fit rules need one; engagement conditions are optional
    refreshMoves(rule.parentNode);
    var key = rule.querySelector("[data-key]");
    if (key) key.focus();
    return rule;
  }

  function refreshMoves(table) {
    var rules = table.querySelectorAll("tbody[data-rule]");
    rules.forEach(function (rule, i) {
      rule.querySelector("[data-row-action=up]").disabled = i === 0;
      rule.querySelector("[data-row-action=down]").disabled = i === rules.length - 1;
    });
  }

  var previewButton = null;
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !form.contains(button)) return;
    var rule = button.closest("tbody[data-rule]");
    if (button.hasAttribute("data-add-rule")) {
      event.preventDefault();
      addRule(button.getAttribute("data-add-rule"));
    } else if (button.hasAttribute("data-add-cond") && rule) {
      event.preventDefault();
      addCondition(rule).querySelector("[data-field]").focus();
    } else if (button.hasAttribute("data-remove-cond")) {
      event.preventDefault();
      button.closest(".condition").remove();
    } else if (button.hasAttribute("data-row-action") && rule) {
      event.preventDefault();
      var table = rule.parentNode;
      var action = button.getAttribute("data-row-action");
      if (action === "remove") rule.remove();
      else if (action === "up" && rule.previousElementSibling && rule.previousElementSibling.matches("tbody[data-rule]")) table.insertBefore(rule, rule.previousElementSibling);
      else if (action === "down" && rule.nextElementSibling) table.insertBefore(rule.nextElementSibling, rule);
      refreshMoves(table);
    } else if (button.value === "preview" && button.id === "preview-button" && !button.dataset.fallback) {
      event.preventDefault();
      previewButton = button;
      fetchPreview();
    }
  });

  function fetchPreview() {
    var data = new FormData(form);
    data.set("action", "preview");
    var target = document.getElementById("preview-result");
    target.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
    }).then(function (response) {
      if (response.status === 422 || !response.ok) {
        // The server marks each error beside its field: post the form the plain way.
        previewButton.dataset.fallback = "1";
        previewButton.click();
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html === null || html === undefined) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;
      target.replaceWith(holder.firstElementChild);
    }).catch(function () {
      previewButton.dataset.fallback = "1";
      previewButton.click();
    });
  }

  form.addEventListener("change", function (event) {
    var cond = event.target.closest(".condition");
    if (cond) syncCondition(cond);
  });
  form.querySelectorAll(".condition").forEach(syncCondition);
})();
