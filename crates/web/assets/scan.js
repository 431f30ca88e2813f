// jxc 扫描验货: the packing bench for a keyboard-wedge scanner (it types the code and
// presses Enter). Scan a label or an order, then every item. A wrong item, one too many,
// or shipping with items missing is refused loudly: a low double beep and the station
// turns red. When everything is counted, weigh (optional) and ship; the server checks
// the counts again before it posts the issue.
(function () {
  "use strict";
  var station = document.getElementById("station");
  if (!station) { return; }
  var input = document.getElementById("scan-code");
  var msg = document.getElementById("scan-message");
  var box = document.getElementById("scan-shipment");
  var tbody = document.querySelector("#scan-lines tbody");
  var shipBtn = document.getElementById("scan-ship");
  var current = null; // {view, counts: {sku_id: n}, serials: [{sku_id, serial}], awaiting: line}

  function t(key) { return station.getAttribute("data-msg-" + key) || key; }

  // Sound: app.js's jxcBeep (WebAudio tones, no files).
  function beep(kind) { if (window.jxcBeep) { window.jxcBeep(kind); } else { window.jxcLastSound = kind; } }

  function say(state, text) {
    station.setAttribute("data-state", state);
    msg.textContent = text;
    if (state === "error") { beep("error"); } else if (state === "ok" || state === "done" || state === "shipped") { beep("ok"); }
  }

  function render() {
    tbody.innerHTML = "";
    current.view.lines.forEach(function (l) {
      var n = current.counts[l.sku_id] || 0;
      var tr = document.createElement("tr");
      tr.setAttribute("data-sku", l.sku_id);
      tr.className = n === l.qty ? "scan-done" : "";
      var a = document.createElement("td"); a.textContent = l.sku_code + " " + l.sku_name;
      var b = document.createElement("td"); b.className = "num"; b.textContent = l.qty;
      var c = document.createElement("td"); c.className = "num scan-count"; c.textContent = n;
      tr.appendChild(a); tr.appendChild(b); tr.appendChild(c);
      tbody.appendChild(tr);
    });
  }

  function missing() {
    return current.view.lines.filter(function (l) { return (current.counts[l.sku_id] || 0) < l.qty; });
  }

  function load(code) {
    fetch("/api/v1/scan/" + encodeURIComponent(code)).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (x) {
      if (!x.ok) { say("error", x.j.message || code); return; }
      if (x.j.shipment.status !== "labelled") {
        say("error", t("not-labelled") + " " + x.j.shipment.tracking_no);
        return;
      }
      current = { view: x.j, counts: {}, serials: [], awaiting: null };
      document.getElementById("scan-tracking").textContent = x.j.shipment.carrier + " " + x.j.shipment.tracking_no;
      document.getElementById("scan-receiver").textContent = x.j.receiver.name;
      document.getElementById("scan-orders").textContent = x.j.orders.map(function (o) { return o.platform_order_id; }).join(" / ");
      box.hidden = false;
      render();
      say("ok", t("load"));
    }).catch(function (e) { say("error", String(e)); });
  }

  // 序列号: after a serial-numbered item, its serial; it must be one the orders hold.
  function serial(code) {
    var line = current.awaiting;
    var taken = current.serials.some(function (x) { return x.serial === code; });
    if (line.serials.indexOf(code) < 0 || taken) {
      say("error", t("wrong-serial") + " " + code + " (" + line.serials.join(", ") + ")");
      return;
    }
    current.serials.push({ sku_id: line.sku_id, serial: code });
    current.awaiting = null;
    count(line);
  }

  function count(line) {
    current.counts[line.sku_id] = (current.counts[line.sku_id] || 0) + 1;
    render();
    if (missing().length === 0) { say("done", t("complete")); } else { say("ok", t("ok") + " " + line.sku_code); }
  }

  function item(code) {
    if (current.awaiting) { serial(code); return; }
    var line = current.view.lines.filter(function (l) { return l.barcodes.indexOf(code) >= 0; })[0];
    if (!line) { say("error", t("wrong") + " " + code); return; }
    var n = current.counts[line.sku_id] || 0;
    if (n >= line.qty) { say("error", t("extra") + " " + line.sku_code); return; }
    if (line.serial) {
      current.awaiting = line;
      say("serial", t("serial") + " " + line.sku_code);
      return;
    }
    count(line);
  }

  function ship() {
    if (!current) { return; }
    var left = missing();
    if (left.length) {
      say("error", t("missing") + " " + left.map(function (l) { return l.sku_code + "×" + (l.qty - (current.counts[l.sku_id] || 0)); }).join(", "));
      return;
    }
    var kg = document.getElementById("scan-weight").value.trim();
    var grams = kg === "" ? null : Math.round(parseFloat(kg) * 1000);
    var body = {
      scanned: current.view.lines.map(function (l) { return { sku_id: l.sku_id, qty: current.counts[l.sku_id] || 0 }; }),
      serials: current.serials,
      packages: parseInt(document.getElementById("scan-packages").value, 10) || 1,
      weight_g: grams
    };
    shipBtn.disabled = true;
    fetch("/api/v1/shipments/" + current.view.shipment.id + "/ship", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (x) {
      shipBtn.disabled = false;
      if (!x.ok) { say("error", x.j.message || "error"); return; }
      var s = x.j.shipment;
      say("shipped", t("shipped") + " " + s.tracking_no + " · " + x.j.writeback);
      current = null;
      box.hidden = true;
      input.focus();
    }).catch(function (e) { shipBtn.disabled = false; say("error", String(e)); });
  }

  document.getElementById("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = input.value.trim();
    input.value = "";
    if (!code) { if (current && missing().length === 0) { ship(); } return; }
    if (!current) { load(code); } else { item(code); }
  });
  shipBtn.addEventListener("click", ship);
  document.getElementById("scan-reset").addEventListener("click", function () {
    current = null; box.hidden = true; say("idle", t("load")); input.focus();
  });
  // The scanner types into the input: keep the focus there.
  document.addEventListener("click", function (e) {
    if (!e.target.closest("input, button, a, select")) { input.focus(); }
  });
})();
