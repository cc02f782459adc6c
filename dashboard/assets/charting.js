/* Taperwatch charting: opening a patient from the ward board, and keyboard charting.
   Colours never live here: they come from dashboard/theme.py. */
(function () {
  "use strict";

  /* The patient page draws its chart with plotly.js, which dcc.Graph asks for only once the
     page's layout has come and been drawn: a round trip after it, then the script's start-up.
     Opening a patient from inside the app starts both at the click, beside the layout's
     request. dcc.Graph's loader takes window.Plotly when it is set and waits for it when it is
     a promise; plotly.js puts itself in window.Plotly when it has run. */
  var CHART_PAGE = /\/patient\/[^/?#]+([?#]|$)/;
  /* The plotly.js build at the URL naming its digest (dashboard/page_scripts.py: kept a year,
     never asked again), else the URL dcc.Graph would load. */
  function plotlyUrl() {
    var meta = document.querySelector('meta[name="tw-plotly"]');
    return (meta && meta.getAttribute("content")) || window._dashPlotlyJSURL;
  }
  function loadChartScripts() {
    var url = plotlyUrl();
    if (window.Plotly || !url) return;
    var graph = url.replace(/plotly\/package_data\/[^/]+$/, "dash/dcc/async-graph.js");
    if (graph !== url) {
      var link = document.createElement("link");
      link.rel = "preload";
      link.as = "script";
      link.href = graph;
      document.head.appendChild(link);
    }
    var script = document.createElement("script");
    script.src = url;
    script.async = true;
    var loading = new Promise(function (resolve, reject) {
      script.onload = resolve;
      script.onerror = function (error) {
        if (window.Plotly === loading) delete window.Plotly; // a later graph loads it again
        reject(error);
      };
    });
    loading.catch(function () {});
    window.Plotly = loading;
    document.head.appendChild(script);
  }

  /* A chart page loads the build its HTML preloads (dcc.Graph then takes it, not its own). */
  if (CHART_PAGE.test(window.location.pathname)) loadChartScripts();

  /* Elsewhere, once the page is idle: if the browser already holds the build (a chart was
     opened before), it is evaluated ahead, so that opening a patient does not wait for it.
     Nothing is fetched for it: "only-if-cached" answers from the browser's cache or fails. */
  function evaluateAheadIfCached() {
    var url = plotlyUrl();
    if (window.Plotly || !url || !window.fetch || url === window._dashPlotlyJSURL) return;
    window
      .fetch(url, { cache: "only-if-cached", mode: "same-origin" })
      .then(function (response) {
        if (response.body && response.body.cancel) response.body.cancel();
        if (response.ok) loadChartScripts();
      })
      .catch(function () {});
  }
  window.addEventListener("load", function () {
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 1000); };
    setTimeout(function () { idle(evaluateAheadIfCached, { timeout: 3000 }); }, 500);
  });

  /* Client-side navigation the Dash pages router follows (what dcc.Link does). */
  window.TwNavigate = function (path) {
    if (CHART_PAGE.test(path)) loadChartScripts();
    window.history.pushState({}, "", path);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  };

  /* A click anywhere on a board row (or card) opens that patient, as its name's link does,
     inside the app; a modified click on the link keeps the browser's own meaning (new tab). */
  document.addEventListener("click", function (ev) {
    if (ev.defaultPrevented || ev.button !== 0) return;
    var target = ev.target;
    if (!target || !target.closest) return;
    var row = target.closest(".tw-board-row[data-href]");
    if (!row) return;
    var link = target.closest("a, button, input, select, textarea, label");
    if (link && !link.classList.contains("tw-board-link")) return;
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) {
      return;
    }
    // Selecting text in a row (a name, an MRN to copy) does not open the patient.
    var selection = window.getSelection ? String(window.getSelection()) : "";
    if (!link && selection) return;
    ev.preventDefault();
    window.TwNavigate(row.getAttribute("data-href"));
  });

  /* Whether ``el`` controls a drop-down list that is showing (Mantine's Select names its
     list in aria-controls only while it is open). */
  function listOpen(el) {
    if (el.getAttribute("aria-expanded") === "true") return true;
    var list = el.getAttribute("aria-controls");
    return !!(list && document.getElementById(list));
  }

  /* Forms marked data-enter-saves: Enter in any field presses the form's save button
     (buttons and text areas keep their own Enter). ACVPU: its letters pick the level. */
  document.addEventListener(
    "keydown",
    function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var target = ev.target;
      if (!target || !target.closest) return;
      var acvpu = target.closest("[data-acvpu]");
      if (acvpu && /^[acvpu]$/i.test(ev.key)) {
        var option = acvpu.querySelector("input[type=radio][value='" + ev.key.toUpperCase() + "']");
        if (option) {
          ev.preventDefault();
          option.click();
          option.focus();
        }
        return;
      }
      if (ev.key !== "Enter") return;
      var form = target.closest("[data-enter-saves]");
      if (!form || target.tagName === "BUTTON" || target.tagName === "TEXTAREA") return;
      if (listOpen(target)) return; // a drop-down list is open: Enter picks from it
      if (target.closest("[data-ciwa-item]")) return;
      var save = form.querySelector("[data-save-button]");
      if (save && !save.disabled) {
        ev.preventDefault();
        // Let the field's last keystroke reach Dash before the save reads the form.
        window.setTimeout(function () { save.click(); }, 0);
      }
    },
    true
  );

  /* CIWA-B (and CIWA-Ar) entry by keyboard: on a focused item, a digit scores it (0-4, or 0-7
     for CIWA-Ar) and moves to the next item of the same form; Enter saves that form. */
  function ciwaItem(el) {
    return el && el.closest ? el.closest("[data-ciwa-item]") : null;
  }

  function focusItem(item) {
    if (!item) return false;
    var input = item.querySelector("input[type=radio]:checked") || item.querySelector("input[type=radio]");
    if (input) {
      input.focus();
      item.scrollIntoView({ block: "nearest" });
      return true;
    }
    return false;
  }

  document.addEventListener(
    "keydown",
    function (ev) {
      var item = ciwaItem(ev.target);
      if (!item || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var form = item.closest("[data-ciwa-form]");
      var saveId = (form && form.getAttribute("data-save-id")) || "ciwa-save";
      if (ev.key === "Enter") {
        var save = document.getElementById(saveId);
        if (save) {
          ev.preventDefault();
          save.click();
        }
        return;
      }
      if (!/^[0-9]$/.test(ev.key)) return;
      var choice = item.querySelector("input[type=radio][value='" + ev.key + "']");
      if (!choice) return;
      ev.preventDefault();
      choice.click();
      var items = Array.prototype.slice.call((form || document).querySelectorAll("[data-ciwa-item]"));
      var next = items[items.indexOf(item) + 1];
      if (!focusItem(next)) {
        var saveButton = document.getElementById(saveId);
        if (saveButton) saveButton.focus();
      }
    },
    true
  );
})();
