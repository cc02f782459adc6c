/* Read-only tables sent as one block of markup (dashboard/components/static_markup.py): a div
   whose data-tw-html attribute holds the table, escaped on the server, is filled with it when
   it enters the page and whenever a refresh changes the attribute. React renders the div with
   no children, so it never touches what is put inside.
   Buttons in that markup are not Dash components: a click on a "Mark in error…" one
   (data-in-error-entity, data-in-error-id) asks the dialog to open through the page's
   in-error-request store, as the pattern-matching buttons do. */
(function () {
  "use strict";

  var ATTRIBUTE = "data-tw-html";
  var SELECTOR = "[" + ATTRIBUTE + "]";
  var XHTML = "http://www.w3.org/1999/xhtml";

  function fill(el) {
    var markup = el.getAttribute(ATTRIBUTE);
    if (el.__twHtml !== markup) {
      el.__twHtml = markup;
      el.innerHTML = markup;
    }
  }

  function fillWithin(node) {
    if (node.nodeType !== 1 || node.namespaceURI !== XHTML) return;
    if (node.hasAttribute(ATTRIBUTE)) fill(node);
    if (!node.firstElementChild) return;
    var inside = node.querySelectorAll(SELECTOR);
    for (var i = 0; i < inside.length; i++) fill(inside[i]);
  }

  new MutationObserver(function (records) {
    for (var r = 0; r < records.length; r++) {
      var record = records[r];
      if (record.type === "attributes") {
        fill(record.target);
        continue;
      }
      for (var n = 0; n < record.addedNodes.length; n++) fillWithin(record.addedNodes[n]);
    }
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: [ATTRIBUTE],
  });
  fillWithin(document.documentElement);

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!target || !target.closest) return;
    var button = target.closest("button[data-in-error-entity]");
    if (!button || !window.dash_clientside || !window.dash_clientside.set_props) return;
    ev.preventDefault();
    window.dash_clientside.set_props("in-error-request", {
      data: {
        entity: button.getAttribute("data-in-error-entity"),
        id: Number(button.getAttribute("data-in-error-id")),
        at: Date.now(),
      },
    });
  });
})();
