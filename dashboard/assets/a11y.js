/* What assistive technology needs and Mantine's markup leaves out:
   - a segmented control's radios are one group (role="radiogroup"; its name is its aria-label),
     so a screen reader announces "ACVPU, radio group, A, 1 of 5";
   - a switch says whether it is on (aria-checked follows the checkbox). */
(function () {
  "use strict";

  function mend() {
    document.querySelectorAll(".mantine-SegmentedControl-root:not([role])").forEach(function (root) {
      root.setAttribute("role", "radiogroup");
    });
    document.querySelectorAll("input[role='switch']").forEach(function (input) {
      var state = input.checked ? "true" : "false";
      if (input.getAttribute("aria-checked") !== state) { input.setAttribute("aria-checked", state); }
    });
  }

  var queued = false;
  function soon() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; mend(); });
  }

  document.addEventListener("change", soon, true);
  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
    mend();
  });
})();
