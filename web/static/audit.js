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
        row.appendChild(el("td", null, turn.local_time_text));
        var cell = el("td");
        var id = turn.conversation_id;
        var link = el("a", null, id.length > 12 ? id.slice(0, 12) + "…" : id);
        link.href = "#";
        link.title = turn.conversation_id;
        link.addEventListener("click", function (event) { event.preventDefault(); openConversation(turn.conversation_id); });
        cell.appendChild(link);
        row.appendChild(cell);
        row.appendChild(el("td", null, turn.speaker_label));
        row.appendChild(el("td", null, turn.clerk_name || ""));
        row.appendChild(el("td", "text", turn.text));
        row.appendChild(el("td", null, turn.intent || ""));
        var marks = flagsText(turn.flags);
        if (turn.redirect_label) marks += (marks ? " · " : "") + turn.redirect_label;
        row.appendChild(el("td", null, marks));
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
