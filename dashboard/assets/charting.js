/* Taperwatch charting: ward-board cell renderers, row opening, and keyboard scoring.
   Colours never live here: cells get theirs from dashboard/theme.py through the row data
   and the column definitions. */
(function () {
  "use strict";

  /* Client-side navigation the Dash pages router follows (what dcc.Link does). */
  window.TwNavigate = function (path) {
    window.history.pushState({}, "", path);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  };

  var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

  /* Beds in natural order: B2 before B10. */
  dagfuncs.TwBedOrder = function (a, b) {
    return String(a || "").localeCompare(String(b || ""), undefined, { numeric: true });
  };

  /* Enter on a focused board cell opens that patient, as a click does. */
  dagfuncs.TwOpenPatientOnEnter = function (params) {
    var ev = params && params.event;
    if (ev && ev.key === "Enter" && params.data) {
      window.TwNavigate("/patient/" + params.data.admission_id);
    }
  };

  var cells = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
  var h = function () {
    return window.React.createElement.apply(null, arguments);
  };

  /* Two lines: the main value and a smaller note under it. */
  cells.TwStack = function (props) {
    var p = props.colDef.cellRendererParams || {};
    var data = props.data || {};
    var main = data[p.main];
    var sub = data[p.sub];
    return h(
      "div",
      { className: "tw-cell-stack" },
      h("span", { className: "tw-cell-main" }, main === null || main === undefined ? "" : String(main)),
      sub ? h("span", { className: "tw-cell-sub" }, String(sub)) : null
    );
  };

  /* Last vitals on two lines (HR, BP, T / time, RR, SpO2, O2, ACVPU); abnormal readings
     marked with an arrow and emphasis, not colour alone. */
  function vitalSpan(part, i) {
    var mark = part.mark;
    var arrow = mark === "high" ? "↑" : mark === "low" ? "↓" : mark === "abnormal" ? "!" : "";
    return h(
      "span",
      {
        key: i,
        className: mark ? "tw-vital tw-vital-abnormal" : "tw-vital",
        title: mark ? (mark === "on" ? "on supplemental oxygen" : "abnormal (" + mark + ")") : undefined,
      },
      part.label ? h("span", { className: "tw-vital-label" }, part.label + " ") : null,
      part.value + arrow
    );
  }

  cells.TwVitals = function (props) {
    var data = props.data || {};
    var parts = data.vitals_text || [];
    if (!parts.length) {
      return h("div", { className: "tw-cell-stack" }, h("span", { className: "tw-cell-sub" }, data.vitals_at || ""));
    }
    var first = parts.filter(function (p) { return p.line === 1; }).map(vitalSpan);
    var second = parts.filter(function (p) { return p.line === 2; }).map(vitalSpan);
    return h(
      "div",
      { className: "tw-cell-stack" },
      h("span", { className: "tw-cell-main tw-vitals-line" }, first),
      h(
        "span",
        { className: "tw-vitals-line2" },
        h("span", { className: "tw-vital-time" }, (data.vitals_at || "") + " "),
        second
      )
    );
  };

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
