// LMIS portal: progressive enhancement only (every page works without this file).
// - the explorer refreshes in place as filters change (the page state stays in the URL);
// - the language selector applies on change; copy buttons copy the REST URLs.
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }

  function wireLanguage() {
    var sel = $("#lang-select");
    if (sel) { sel.addEventListener("change", function () { sel.form.submit(); }); }
  }

  function wireCopy(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".copy-btn"), function (btn) {
      btn.addEventListener("click", function () {
        var field = document.getElementById(btn.getAttribute("data-copy"));
        field.select();
        var done = function () { btn.textContent = btn.getAttribute("data-done") || "✓"; };
        if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(field.value).then(done, done); }
        else { try { document.execCommand("copy"); } catch (e) { /* selection stays for Ctrl+C */ } done(); }
      });
    });
  }

  var pending = null;
  function refresh(url, push) {
    var box = $("#explorer");
    if (!box) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    box.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "Accept": "text/html" }, signal: pending.signal, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("explorer");
        if (!fresh) { window.location.href = url; return; }
        var focused = document.activeElement && document.activeElement.id;
        box.replaceWith(fresh);
        if (push) { history.pushState({ explorer: true }, "", url); }
        wireExplorer();
        if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
      })
      .catch(function (e) { if (e.name !== "AbortError") { window.location.href = url; } });
  }

  function formUrl(form) {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) { return; }
      if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { params.append(el.name, o.value); });
      } else if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { params.append(el.name, el.value); }
      } else if (el.value) { params.append(el.name, el.value); }
    });
    var q = params.toString();
    return form.getAttribute("action") + (q ? "?" + q : "");
  }

  function wireExplorer() {
    var form = $("#filters");
    if (!form) { return; }
    var timer = null;
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(formUrl(form), true); }, 250);
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); refresh(formUrl(form), true); });
    wireCopy($("#explorer"));
  }

  window.addEventListener("popstate", function () { if ($("#explorer")) { refresh(location.href, false); } });
  document.addEventListener("DOMContentLoaded", function () {
    wireLanguage();
    wireExplorer();
    document.documentElement.classList.add("js");
  });
}());
