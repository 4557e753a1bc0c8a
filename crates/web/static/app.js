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

  // Shift tapped three times within 1.5 seconds also leaves. A tap is
  // Shift pressed and released with no other key between: typing capital
  // letters ("Europe/Paris") must never count.
  var taps = [];
  var cleanShift = false;
  document.addEventListener("keydown", function (e) {
    if (e.key === "Shift") {
      if (!e.repeat) cleanShift = true;
      return;
    }
    cleanShift = false;
    taps = [];
  });
  document.addEventListener("keyup", function (e) {
    if (e.key !== "Shift" || !cleanShift) return;
    cleanShift = false;
    var now = Date.now();
    taps = taps.filter(function (t) { return now - t < 1500; });
    taps.push(now);
    if (taps.length >= 3) leave();
  });

  // Fill an empty time-zone field with the browser's zone.
  var tz = document.querySelector("input[data-detect-tz]");
  if (tz && !tz.value && window.Intl) {
    try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (_) {}
  }

  // A refused form: take the person straight to the first field at fault
  // (its sentence is read with it, through aria-describedby).
  // Centred, so the sentence under it shows too.
  var wrong = document.querySelector("[aria-invalid=true]");
  if (wrong) {
    // A group of radios is marked as a whole: focus its first radio.
    var target = wrong.matches("fieldset") ? wrong.querySelector("input") || wrong : wrong;
    target.focus({ preventScroll: true });
    wrong.scrollIntoView({ block: "center" });
  }

  // Select the invite link on focus so it is easy to copy.
  var link = document.getElementById("invite-link");
  if (link) link.addEventListener("focus", function () { link.select(); });
})();
