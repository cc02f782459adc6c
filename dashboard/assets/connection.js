/* Taperwatch: say so when a request fails for a reason the page cannot show itself.
   Dash's renderer drops a callback's error answer silently outside debug mode; a nurse who
   pressed Save must know nothing was saved. Watches Dash's callback requests: signed out (401),
   page out of date (403), database or server not answering (5xx, network). The messages are
   the page's, in the reader's language (#tw-connection-messages, dashboard/shell.py); these
   English ones stand in if it is missing. */
(function () {
  "use strict";

  var MESSAGES = {
    401: "You are signed out, so nothing was saved. Reload the page and sign in again.",
    403: "This page is out of date, so nothing was saved. Reload the page and try again.",
    503: "The database is not answering (busy, full or restarting): nothing was saved. " +
      "Try again in a moment.",
  };
  var SERVER_ERROR = "The server could not do that, so nothing was saved. Try again; " +
    "if it happens again, call IT.";
  var NO_ANSWER = "The server is not answering, so nothing was saved. Check the network and " +
    "try again.";

  function banner() {
    var el = document.getElementById("tw-connection-alert");
    if (!el) {
      el = document.createElement("div");
      el.id = "tw-connection-alert";
      el.setAttribute("role", "alert");
      /* set through the DOM, property by property: allowed by the page's CSP */
      Object.assign(el.style, {
        position: "fixed",
        top: "64px",
        left: "50%",
        transform: "translateX(-50%)",
        zIndex: "10000",
        maxWidth: "640px",
        padding: "12px 18px",
        borderRadius: "6px",
        background: "#7A1F1F",
        color: "#FFFFFF",
        fontSize: "16px",
        boxShadow: "0 2px 10px rgba(0,0,0,0.3)",
      });
      document.body.appendChild(el);
    }
    return el;
  }

  var KEYS = { 401: "signed-out", 403: "out-of-date", 503: "unavailable" };

  function said(key, english) {
    var el = document.getElementById("tw-connection-messages");
    return (el && el.getAttribute("data-" + key)) || english;
  }

  function show(text) {
    var el = banner();
    el.textContent = text;
    el.hidden = false;
  }

  function hide() {
    var el = document.getElementById("tw-connection-alert");
    if (el) el.hidden = true;
  }

  function isCallback(input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return url.indexOf("_dash-update-component") !== -1;
  }

  var fetchOriginal = window.fetch;
  window.fetch = function (input) {
    var watched = isCallback(input);
    return fetchOriginal.apply(this, arguments).then(
      function (response) {
        if (watched) {
          var status = response.status;
          if (MESSAGES[status]) show(said(KEYS[status], MESSAGES[status]));
          else if (status >= 500) show(said("server-error", SERVER_ERROR));
          else if (response.ok) hide();
        }
        return response;
      },
      function (error) {
        if (watched) show(said("no-answer", NO_ANSWER));
        throw error;
      }
    );
  };
})();
