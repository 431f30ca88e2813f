// jxc 盘点扫描: the phone / scanner-gun page of a count. Scan (or type) a location, then
// its items; each scan gets an id here and is queued in localStorage before it is sent,
// so a network drop loses nothing and a batch sent twice counts once (the server keeps
// the ids). The running counts are the server's totals per line.
(function () {
  "use strict";
  var root = document.getElementById("count-scan");
  if (!root || root.getAttribute("data-state") === "closed") { return; }
  var id = root.getAttribute("data-count");
  var qKey = "jxc-count-" + id + "-queue";
  var locKey = "jxc-count-" + id + "-location";
  var tallyKey = "jxc-count-" + id + "-tally";
  var input = document.getElementById("cs-code");
  var qty = document.getElementById("cs-qty");
  var lot = document.getElementById("cs-lot");
  var msg = document.getElementById("cs-message");
  var where = document.getElementById("cs-location");
  var pending = document.getElementById("cs-pending");
  var tbody = document.querySelector("#cs-tally tbody");
  var sending = false;

  function t(k) { return root.getAttribute("data-msg-" + k) || k; }
  function load(k, d) { try { return JSON.parse(localStorage.getItem(k)) || d; } catch (e) { return d; } }
  function save(k, v) { localStorage.setItem(k, JSON.stringify(v)); }
  function queue() { return load(qKey, []); }
  function location() { return localStorage.getItem(locKey) || ""; }
  function beep(kind) { if (window.jxcBeep) { window.jxcBeep(kind); } else { window.jxcLastSound = kind; } }
  function say(state, text) {
    root.setAttribute("data-state", state);
    msg.textContent = text;
    if (state === "error") { beep("error"); } else if (state === "ok") { beep("ok"); }
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function render() {
    var loc = location();
    where.textContent = loc || "—";
    input.placeholder = loc ? t("item") : t("location");
    var q = queue();
    pending.textContent = q.length;
    pending.className = q.length ? "tag warn" : "tag";
    var tally = load(tallyKey, {})[loc] || {};
    tbody.innerHTML = "";
    Object.keys(tally).sort().forEach(function (code) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", code);
      var a = document.createElement("td"); a.textContent = code;
      var b = document.createElement("td"); b.className = "num"; b.textContent = tally[code];
      tr.appendChild(a); tr.appendChild(b); tbody.appendChild(tr);
    });
  }

  function remember(loc, code, counted) {
    var all = load(tallyKey, {});
    all[loc] = all[loc] || {};
    all[loc][code] = counted;
    save(tallyKey, all);
  }

  // Sends the queue (oldest first, up to 200 at a time). A scan leaves the queue only
  // when the server has answered for it.
  function flush() {
    var q = queue();
    if (sending || !q.length || window.jxcOffline) {
      if (q.length && window.jxcOffline) { say("offline", t("offline").replace("{n}", q.length)); }
      render();
      return;
    }
    sending = true;
    var batch = q.slice(0, 200);
    fetch("/api/v1/stock-counts/" + id + "/scans", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scans: batch })
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, j: j }; });
    }).then(function (x) {
      sending = false;
      if (x.status >= 500) { say("offline", t("offline").replace("{n}", queue().length)); return; }
      var sent = {};
      batch.forEach(function (s) { sent[s.scan_id] = true; });
      save(qKey, queue().filter(function (s) { return !sent[s.scan_id]; }));
      if (x.status !== 200) { say("error", x.j.message || String(x.status)); render(); return; }
      var last = null;
      x.j.forEach(function (o, i) {
        var s = batch[i];
        if (o.outcome === "refused") { last = { error: o.reason }; return; }
        remember(s.location, o.sku_code, o.counted);
        if (!last || !last.error) { last = { ok: o.sku_code + " = " + o.counted }; }
      });
      if (last && last.error) { say("error", last.error); } else if (last) { say("ok", last.ok); }
      render();
      if (queue().length) { flush(); }
    }).catch(function () {
      sending = false;
      say("offline", t("offline").replace("{n}", queue().length));
      render();
    });
  }

  document.getElementById("cs-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = input.value.trim();
    input.value = "";
    if (!code) { return; }
    if (!location()) {
      localStorage.setItem(locKey, code);
      say("item", t("item"));
      render();
      return;
    }
    var n = parseInt(qty.value, 10);
    if (!n || Math.abs(n) > 100000 || String(n) !== qty.value.trim()) { say("error", t("bad-qty")); return; }
    var q = queue();
    q.push({ scan_id: newId(), location: location(), code: code, qty: n, lot_no: lot.value.trim() });
    save(qKey, q);
    qty.value = "1";
    say("queued", t("queued") + " " + code);
    render();
    flush();
    input.focus();
  });
  document.getElementById("cs-change").addEventListener("click", function () {
    localStorage.removeItem(locKey);
    say("location", t("location"));
    render();
    input.focus();
  });
  document.getElementById("cs-close").addEventListener("click", function () {
    var loc = location();
    if (!loc || queue().length) { flush(); return; }
    if (!window.confirm(this.getAttribute("data-confirm"))) { return; }
    fetch("/api/v1/stock-counts/" + id + "/close-location", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ location: loc })
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (x) {
      if (!x.ok) { say("error", x.j.message || "error"); return; }
      localStorage.removeItem(locKey);
      say("ok", t("zeroed").replace("{loc}", loc).replace("{n}", x.j.zeroed));
      render();
    }).catch(function () { say("offline", t("offline").replace("{n}", queue().length)); });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 3000);
  // The scanner types into the input: keep the focus there.
  document.addEventListener("click", function (e) {
    if (!e.target.closest("input, button, a, select")) { input.focus(); }
  });
  render();
  flush();
})();
