/* The patient page's plan panel is asked for once the chart's data is drawn, so that its
   answer and its drawing never compete with plotly's for the browser's one thread; when no
   chart is drawn (it failed, or the page has none) it is asked for after a short wait.
   dashboard/components/plan_panel.py: placeholder, _fill. */
(function () {
  "use strict";

  var CHART_DRAWN = "#ov-chart .js-plotly-plot .scatterlayer .trace";
  var WAIT_MS = 2500;
  var waiting = null; // the placeholder waited for, and its timer
  var asked = new WeakSet(); // placeholders already asked for (a new page draws a new one)

  function ask(section) {
    if (asked.has(section)) return;
    if (!window.dash_clientside || !window.dash_clientside.set_props) return;
    asked.add(section);
    window.dash_clientside.set_props("pp-load", {
      data: Number(section.getAttribute("data-plan-admission")),
    });
  }

  function check() {
    var section = document.querySelector("#plan-panel[data-plan-admission]");
    if (!section || asked.has(section)) {
      if (waiting && waiting.section !== section) {
        clearTimeout(waiting.timer);
        waiting = null;
      }
      return;
    }
    if (document.querySelector(CHART_DRAWN)) {
      ask(section);
      return;
    }
    if (!waiting || waiting.section !== section) {
      if (waiting) clearTimeout(waiting.timer);
      waiting = {
        section: section,
        timer: setTimeout(function () {
          if (document.body.contains(section)) ask(section);
        }, WAIT_MS),
      };
    }
  }

  new MutationObserver(check).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  check();
})();
