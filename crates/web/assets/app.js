// jxc: the little script the pages need, written for this project. Everything works
// without it; it adds: confirmation of destructive actions, remembering each list's
// last filter, the phone menu, and the CSRF header on fetch calls.
(function () {
  "use strict";

  // <form data-confirm="…"> and <button data-confirm="…"> ask first.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var b = e.submitter;
    var msg = (b && b.getAttribute("data-confirm")) || f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);

  // The phone menu.
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-toggle-nav]")) {
      var s = document.getElementById("sidebar");
      if (s) { s.classList.toggle("open"); }
    }
  });

  // A list form with data-remember="key" remembers its query string. Coming back to the
  // list without one restores it; a link with ?reset=1 forgets it.
  function remember() {
    var f = document.querySelector("form[data-remember]");
    if (!f || !window.localStorage) { return; }
    // Only on the list itself: a page that shows the result of a POST (e.g. a bulk
    // action rendered at /orders/bulk) must not be reloaded with a GET.
    if (new URL(f.action, window.location.href).pathname !== window.location.pathname) { return; }
    var key = "jxc.filter." + f.getAttribute("data-remember");
    var q = window.location.search;
    var params = new URLSearchParams(q);
    if (params.has("reset")) { localStorage.removeItem(key); return; }
    params.delete("after");
    var kept = params.toString();
    if (kept) {
      localStorage.setItem(key, "?" + kept);
    } else {
      var saved = localStorage.getItem(key);
      if (saved) { window.location.replace(window.location.pathname + saved); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", remember);
  } else {
    remember();
  }

  // fetch() from our pages sends the session's CSRF token.
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && window.fetch) {
    var token = meta.getAttribute("content");
    var orig = window.fetch;
    window.fetch = function (input, init) {
      init = init || {};
      var headers = new Headers(init.headers || {});
      headers.set("X-CSRF-Token", token);
      init.headers = headers;
      init.credentials = init.credentials || "same-origin";
      return orig(input, init);
    };
  }

  // Scanning pages sound: WebAudio tones, no files — a short high beep for a good scan,
  // a low double beep for a refused one. window.jxcLastSound says which (for tests).
  var audio = null;
  window.jxcBeep = function (kind) {
    window.jxcLastSound = kind;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = kind === "error" ? [[220, 0, 0.25], [220, 0.32, 0.25]] : [[880, 0, 0.08]];
      tones.forEach(function (x) {
        var o = audio.createOscillator();
        var g = audio.createGain();
        o.type = kind === "error" ? "square" : "sine";
        o.frequency.value = x[0];
        g.gain.value = 0.2;
        o.connect(g); g.connect(audio.destination);
        o.start(audio.currentTime + x[1]);
        o.stop(audio.currentTime + x[1] + x[2]);
      });
    } catch (e) { /* no audio device: the colour still says it */ }
  };
})();
