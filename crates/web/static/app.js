// troth's only script besides htmx. No inline scripts anywhere (CSP).
(function () {
  "use strict";

  // Quick exit: replace this page in history so Back does not return to it.
  function leave() {
    document.body.innerHTML = "";
    window.location.replace("/exit");
  }

  var exit = document.getElementById("quick-exit");
  if (exit) {
    exit.addEventListener("click", function (e) {
      e.preventDefault();
      leave();
    });
  }

  // Shift pressed three times within 1.5 seconds also leaves.
  var presses = [];
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Shift" || e.repeat) return;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) leave();
  });

  // Fill an empty time-zone field with the browser's zone.
  var tz = document.querySelector("input[data-detect-tz]");
  if (tz && !tz.value && window.Intl) {
    try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (_) {}
  }

  // Select the invite link on focus so it is easy to copy.
  var link = document.getElementById("invite-link");
  if (link) link.addEventListener("focus", function () { link.select(); });
})();
