/* The header's Menu on narrow screens: the toggle opens and closes it; choosing a page, Escape
   or a tap outside closes it. On wide screens the toggle is hidden and the menu is the header. */
(function () {
  "use strict";

  function parts() {
    return {
      header: document.getElementById("shell-header"),
      toggle: document.getElementById("shell-menu-toggle"),
    };
  }

  function setOpen(open) {
    var p = parts();
    if (!p.header || !p.toggle) { return; }
    p.header.classList.toggle("tw-menu-open", open);
    p.toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function isOpen() {
    var p = parts();
    return !!(p.header && p.header.classList.contains("tw-menu-open"));
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.closest("#shell-menu-toggle")) {
      setOpen(!isOpen());
      return;
    }
    if (!isOpen()) { return; }
    if (target.closest("#shell-menu a") || !target.closest("#shell-menu")) {
      setOpen(false);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      var p = parts();
      if (p.toggle) { p.toggle.focus(); }
    }
  });
})();
