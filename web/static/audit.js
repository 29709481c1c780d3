// Archive view for auditors (plain JS, no build). Every text from the archive is put
// in the page with textContent, never as HTML.
(function () {
  "use strict";
  var API = "/console/audit/api";
  var PAGE = 50;
  var offset = 0;
  var current = null; // conversation id shown in the transcript pane
  var FLAG_LABELS = {
    insult: "insultă", limbaj_jignitor: "limbaj jignitor", out_of_scope: "în afara competenței",
    handoff: "preluată", spam: "spam", flood: "rafală"
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function showError(message) {
    var box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }
  function criteria() {
    var form = $("search");
    var params = new URLSearchParams();
    ["since", "until", "clerk", "text", "intent", "speaker"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    var flags = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name=flag]:checked"), function (box) {
      flags.push(box.value);
    });
    if (flags.length) params.set("flags", flags.join(","));
    return params;
  }
  function request(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (resp.status === 401) { window.location.href = "/console/audit/login"; throw new Error(""); }
      return resp.json().then(function (body) {
        if (!resp.ok) throw new Error(body.message || "Eroare neașteptată.");
        return body;
      });
    });
  }
  function download(url) {
    // Check first, so an error is shown in the page rather than downloaded as a file.
    fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().then(function (body) { throw new Error(body.message || "Exportul a eșuat."); });
      }
      var name = "export";
      var disposition = resp.headers.get("Content-Disposition") || "";
      var match = /filename="([^"]+)"/.exec(disposition);
      if (match) name = match[1];
      return resp.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        showError("");
      });
    }).catch(function (error) { if (error.message) showError(error.message); });
  }
  function flagsText(flags) {
    return (flags || []).map(function (f) { return FLAG_LABELS[f] || f; }).join(", ");
  }

  // A cell that says what it is when the table is shown as cards (on a phone).
  function cell(row, label, text, cls) {
    var td = el("td", cls || null, text);
    td.setAttribute("data-label", label);
    row.appendChild(td);
    return td;
  }

  var ACTIONS = {
    search: "Căutare", transcript: "Citirea unei conversații", export_csv: "Export CSV",
    export_json: "Export JSON", export_pdf: "Export PDF", access_log: "Citirea jurnalului"
  };

  // What an access was about, in words: "conversația …" or the search's criteria.
  function targetText(target) {
    var data;
    try { data = JSON.parse(target || "{}"); } catch (e) { return target || ""; }
    if (data.conversation_id) return "conversația " + data.conversation_id;
    var what = data.search || data;
    var parts = Object.keys(what).filter(function (k) {
      var v = what[k];
      return v !== null && v !== "" && !(Array.isArray(v) && !v.length);
    }).map(function (k) { return k + ": " + (Array.isArray(what[k]) ? what[k].join(", ") : what[k]); });
    return parts.length ? parts.join(" · ") : "toată arhiva";
  }

  function accessLog() {
    request(API + "/access-log?limit=200").then(function (data) {
      showError("");
      var body = $("access-log").querySelector("tbody");
      body.textContent = "";
      data.entries.forEach(function (entry) {
        var row = document.createElement("tr");
        cell(row, "Ora", entry.local_time_text);
        cell(row, "Utilizator", entry.username);
        cell(row, "Acțiune", ACTIONS[entry.action] || entry.action);
        cell(row, "Ce", targetText(entry.target), "text");
        cell(row, "Rezultate", entry.result_count);
        body.appendChild(row);
      });
      $("access").hidden = false;
      $("access").scrollIntoView();
    }).catch(function (error) { if (error.message) showError(error.message); });
  }

  function search() {
    var params = criteria();
    params.set("limit", String(PAGE));
    params.set("offset", String(offset));
    request(API + "/search?" + params.toString()).then(function (data) {
      showError("");
      var body = $("results").querySelector("tbody");
      body.textContent = "";
      data.turns.forEach(function (turn) {
        var row = document.createElement("tr");
        cell(row, "Ora", turn.local_time_text);
        var idCell = cell(row, "Conversație");
        var id = turn.conversation_id;
        var link = el("a", null, id.length > 12 ? id.slice(0, 12) + "…" : id);
        link.href = "#";
        link.title = turn.conversation_id;
        link.addEventListener("click", function (event) { event.preventDefault(); openConversation(turn.conversation_id); });
        idCell.appendChild(link);
        cell(row, "Vorbitor", turn.speaker_label);
        cell(row, "Funcționar", turn.clerk_name || "");
        cell(row, "Text", turn.text, "text");
        cell(row, "Intenție", turn.intent || "");
        var marks = flagsText(turn.flags);
        if (turn.redirect_label) marks += (marks ? " · " : "") + turn.redirect_label;
        cell(row, "Marcaje", marks);
        body.appendChild(row);
      });
      $("results").hidden = data.turns.length === 0;
      var last = data.offset + data.turns.length;
      $("summary").textContent = data.total === 0
        ? "Nicio înregistrare nu corespunde căutării."
        : "Înregistrările " + (data.offset + 1) + "–" + last + " din " + data.total + ".";
      $("prev").hidden = data.offset === 0;
      $("next").hidden = last >= data.total;
    }).catch(function (error) { if (error.message) showError(error.message); });
  }

  function openConversation(id) {
    request(API + "/conversations/" + encodeURIComponent(id)).then(function (data) {
      showError("");
      current = data.conversation_id;
      $("transcript").hidden = false;
      $("transcript-title").textContent = "Conversația " + data.conversation_id;
      var meta = "De la " + (data.started || "—") + " până la " + (data.ended || "—") + " (ora României)";
      if (data.clerks.length) meta += " · Funcționari: " + data.clerks.join(", ");
      $("transcript-meta").textContent = meta;
      var list = $("lines");
      list.textContent = "";
      data.lines.forEach(function (line) {
        var item = el("li", line.speaker);
        var head = el("div", "meta");
        head.appendChild(el("span", null, line.time + " · "));
        head.appendChild(el("span", "who", line.speaker_label));
        if (line.event_label) head.appendChild(el("span", null, " · " + line.event_label));
        if (line.intent && line.speaker !== "system") head.appendChild(el("span", null, " · intenție: " + line.intent));
        (line.flags || []).forEach(function (flag) { head.appendChild(el("span", "tag", FLAG_LABELS[flag] || flag)); });
        if (line.redirect_label) head.appendChild(el("span", "redirect", " · " + line.redirect_label));
        item.appendChild(head);
        if (line.text) item.appendChild(el("div", "text", line.text));
        list.appendChild(item);
      });
      $("transcript").scrollIntoView({ behavior: "smooth" });
    }).catch(function (error) { if (error.message) showError(error.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    request(API + "/me").then(function (data) {
      var role = data.user.role === "admin" ? "administrator" : "auditor";
      $("me").textContent = data.user.display_name + " (" + role + ")";
    }).catch(function () {});
    $("show-access").addEventListener("click", function (event) { event.preventDefault(); accessLog(); });
    $("access-refresh").addEventListener("click", accessLog);
    $("search").addEventListener("submit", function (event) { event.preventDefault(); offset = 0; search(); });
    // A link of the admin dashboard (a low-rated conversation) opens its transcript.
    var linked = /^#conversatie=(.+)$/.exec(window.location.hash);
    if (linked) openConversation(decodeURIComponent(linked[1]));
    $("prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); search(); });
    $("next").addEventListener("click", function () { offset += PAGE; search(); });
    $("export-csv").addEventListener("click", function () { download(API + "/export/csv?" + criteria().toString()); });
    $("export-json").addEventListener("click", function () { download(API + "/export/json?" + criteria().toString()); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-export]"), function (button) {
      button.addEventListener("click", function () {
        if (current) download(API + "/conversations/" + encodeURIComponent(current) + "/export/" + button.dataset.export);
      });
    });
  });
})();
