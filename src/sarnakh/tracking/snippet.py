"""The copy-paste HTML that puts the tracker on a site. Pure: no ORM.

The inline part defines `window.sarnakh` at once, queueing calls made before the tracker
script has loaded (it is loaded async so it never delays the page)."""

from __future__ import annotations

import json

SCRIPT_PATH = "/t/sarnakh.js"

_TEMPLATE = """<!-- Sarnakh tracking -->
<script>
(function (w, d, key, src, dnt) {
  var s = w.sarnakh = w.sarnakh || { q: [] };
  ["track", "identify", "consent", "page"].forEach(function (m) {
    s[m] = s[m] || function () { s.q.push([m, [].slice.call(arguments)]); };
  });
  var e = d.createElement("script");
  e.async = true; e.src = src; e.setAttribute("data-site", key);
  if (!dnt) e.setAttribute("data-dnt", "ignore");
  d.head.appendChild(e);
})(window, document, %(key)s, %(src)s, %(dnt)s);
</script>"""


def snippet_html(*, site_key: str, base_url: str, respect_dnt: bool = True) -> str:
    src = base_url.rstrip("/") + SCRIPT_PATH
    # json.dumps gives JS string literals; "</" is escaped so the values can never close the tag.
    literal = lambda value: json.dumps(value).replace("</", "<\\/")  # noqa: E731
    return _TEMPLATE % {"key": literal(site_key), "src": literal(src), "dnt": "true" if respect_dnt else "false"}
