/* Taperwatch idle lock (dashboard/idle_lock.py). Ward computers are shared: a page nobody has
   used for the ward's idle time locks behind a sign-in prompt. The page stays underneath, so
   what was typed and not yet saved is kept; the same user signing in carries on, another user
   gets a fresh page of their own. The server holds the clock: it ends a session idle for longer
   than the ward allows, so this script only asks it, tells it when someone used the page, and
   shows the prompt once the server has locked the session. */
(function () {
  "use strict";

  var ACTIVITY = "/session/activity";
  var UNLOCK = "/session/unlock";
  var USED = ["keydown", "pointerdown", "wheel", "touchstart", "input"];
  var fetchOriginal = window.fetch;

  var state = null; /* {username, display_name, idle_s, remaining_s, words} from the server */
  var deadline = Infinity; /* when the server's session would lock, on this clock */
  var lastReport = Date.now();
  var lastUse = Date.now();
  var asking = false;
  var locked = false;
  var csrf = "";

  function csrfToken() {
    /* The session's token (dashboard/security.py); kept once read, since the cookie is dropped
       when the session locks and the unlock request must still carry it. */
    var found = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]+)/);
    if (found) csrf = decodeURIComponent(found[1]);
    return csrf;
  }

  function call(method, url, body) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    };
    if (body) init.body = body;
    return fetchOriginal.call(window, url, init);
  }

  function lockedByServer(response) {
    /* A 401 for a session the idle lock ended; any other (signed out elsewhere, deactivated)
       is left to connection.js. */
    return response.status === 401 && !!response.headers.get("X-Taperwatch-Idle");
  }

  function take(response) {
    if (response.status === 401) {
      if (lockedByServer(response)) lock();
      else state = null; /* signed out otherwise: nothing to unlock */
      return null;
    }
    if (!response.ok) return null;
    return response.json().then(function (answer) {
      state = answer;
      deadline = Date.now() + 1000 * answer.remaining_s;
      return answer;
    });
  }

  function reportEvery() {
    return 1000 * Math.min(30, state.idle_s / 4);
  }

  function report() {
    lastReport = Date.now();
    return call("POST", ACTIVITY).then(take, function () { return null; });
  }

  function tick() {
    if (locked || !state || asking) return;
    var now = Date.now();
    if (lastUse > lastReport && now - lastReport >= reportEvery()) {
      report();
    } else if (now >= deadline) {
      asking = true; /* the server decides: another tab may have kept the session in use */
      call("GET", ACTIVITY).then(take, function () { return null; }).then(
        function () { asking = false; },
        function () { asking = false; }
      );
    }
  }

  function used() {
    if (!locked) lastUse = Date.now();
  }

  /* The prompt's words in the user's language, given by the server with the state (the lock
     shows them with the server unreachable); English if none came. */
  var ENGLISH = {
    title: "Taperwatch is locked",
    username: "Username",
    password: "Password",
    sign_in: "Sign in",
    not_carried_on: "Signed in, but this page could not carry on; reload it.",
    too_many: "Too many failed sign-ins from this computer. Wait, then try again, or ask an admin.",
    out_of_date: "This page is out of date; reload it to sign in (unsaved input is lost).",
    not_signed_in: "Not signed in; try again.",
    no_answer: "The server is not answering. Check the network and try again.",
  };

  function word(name) {
    var words = (state && state.words) || {};
    return words[name] || ENGLISH[name] || "";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function setInert(on) {
    Array.prototype.forEach.call(document.body.children, function (child) {
      if (child.id !== "tw-idle-lock") child.inert = on;
    });
  }

  function lock() {
    if (locked || !state) return;
    locked = true;
    setInert(true);
    var minutes = Math.round(state.idle_s / 60);
    var overlay = el("div", {
      id: "tw-idle-lock",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": "tw-idle-title",
    });
    var box = el("form", { class: "tw-idle-box", novalidate: "" });
    box.appendChild(el("h2", { id: "tw-idle-title" }, word("title")));
    box.appendChild(el("p", { id: "tw-idle-why" }, word("why") ||
      "Nobody used this page for " + minutes + " minute" + (minutes === 1 ? "" : "s") +
      " (ward policy). Sign in to carry on: anything typed and not yet saved is kept. " +
      "Someone else signing in here gets a fresh page."));
    var error = el("p", { id: "tw-idle-error", role: "alert", class: "tw-idle-error" });
    error.hidden = true;
    box.appendChild(error);
    box.appendChild(el("label", { for: "tw-idle-username" }, word("username")));
    var username = el("input", { id: "tw-idle-username", autocomplete: "username", required: "" });
    username.value = state.username;
    box.appendChild(username);
    box.appendChild(el("label", { for: "tw-idle-password" }, word("password")));
    var password = el("input", {
      id: "tw-idle-password", type: "password", autocomplete: "current-password", required: "",
    });
    box.appendChild(password);
    var button = el("button", { id: "tw-idle-sign-in", type: "submit" }, word("sign_in"));
    box.appendChild(button);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
    password.focus();

    function refuse(text) {
      error.textContent = text;
      error.hidden = false;
      button.disabled = false;
      password.value = "";
      password.focus();
    }

    box.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      var body = new URLSearchParams();
      body.set("username", username.value);
      body.set("password", password.value);
      call("POST", UNLOCK, body).then(function (response) {
        if (response.ok) {
          return response.json().then(function (answer) {
            if (!answer.same_user) {
              window.location.reload(); /* another user: their own, fresh page */
              return null;
            }
            return call("GET", ACTIVITY).then(function (again) {
              if (!again.ok) {
                refuse(word("not_carried_on"));
                return null;
              }
              return again.json().then(function (answer) {
                state = answer;
                deadline = Date.now() + 1000 * answer.remaining_s;
                unlock();
              });
            });
          });
        }
        if (response.status === 429) {
          refuse(word("too_many"));
          return null;
        }
        if (response.status === 403) {
          refuse(word("out_of_date"));
          return null;
        }
        return response.json().then(
          function (answer) { refuse(word("refused") || answer.error || word("not_signed_in")); },
          function () { refuse(word("not_signed_in")); }
        );
      }, function () {
        refuse(word("no_answer"));
      });
    });
  }

  function unlock() {
    var overlay = document.getElementById("tw-idle-lock");
    if (overlay) overlay.remove();
    setInert(false);
    locked = false;
    lastReport = lastUse = Date.now();
    var alert = document.getElementById("tw-connection-alert");
    if (alert) alert.hidden = true; /* "signed out" while locked: no longer so */
  }

  /* A callback refused because the server locked the session first (before this page's count
     ran out: the server's record of use can lag the page's by up to a minute). */
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return fetchOriginal.apply(this, arguments).then(function (response) {
      if (lockedByServer(response) && url.indexOf("_dash-update-component") !== -1) lock();
      return response;
    });
  };

  USED.forEach(function (name) {
    document.addEventListener(name, used, { capture: true, passive: true });
  });
  report();
  window.setInterval(tick, 1000);
})();
