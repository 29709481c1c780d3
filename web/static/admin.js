/* Admin dashboard (web/admin.py): figures drawn as SVG in the page, the review of
 * unanswered questions and the facts to confirm. Every text from the server is put in
 * the page with textContent, never as HTML. */
(function () {
  "use strict";
  var API = "/console/audit/admin/api";
  var SVG = "http://www.w3.org/2000/svg";
  var reviewData = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function showError(message) { var box = $("error"); box.textContent = message; box.hidden = !message; }
  function number(value) { return value === null || value === undefined ? "—" : String(value).replace(".", ","); }

  // -- dates: the city hall reads zz.ll.aaaa; the API and the CSVs speak AAAA-LL-ZZ ----------

  var ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})(.*)$/;
  // "2026-11-01" -> "01.11.2026", "2026-11-01 14:05" -> "01.11.2026 14:05"; other text unchanged.
  function roDate(value) {
    var m = ISO_DAY.exec(String(value));
    return m ? m[3] + "." + m[2] + "." + m[1] + m[4] : value;
  }
  // "1.11.2026" or "01.11.2026" -> "2026-11-01"; null when it is not a day of the calendar.
  function isoFromRo(text) {
    var m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$/.exec(text || "");
    if (!m) return null;
    var day = Number(m[1]), month = Number(m[2]), year = Number(m[3]);
    var d = new Date(Date.UTC(year, month - 1, day));
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
    return m[3] + "-" + String(month).padStart(2, "0") + "-" + String(day).padStart(2, "0");
  }
  function roFromIso(iso) { return ISO_DAY.test(iso || "") ? roDate(iso) : ""; }

  function request(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin" }, options || {})).then(function (resp) {
      if (resp.status === 401) { window.location.href = "/console/audit/login"; throw new Error(""); }
      return resp.json().then(function (body) {
        if (!resp.ok) throw new Error(body.message || "Cererea nu a reușit.");
        return body;
      });
    });
  }

  function download(url, fallbackName, after) {
    fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().then(function (body) { throw new Error(body.message || "Descărcarea nu a reușit."); });
      }
      var match = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
      var headers = resp.headers;
      return resp.blob().then(function (blob) {
        var link = el("a");
        link.href = URL.createObjectURL(blob);
        link.download = match ? match[1] : fallbackName;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        if (after) after(headers);
      });
    }).catch(function (error) { if (error.message) showError(error.message); });
  }

  // The period as the API wants it, or null after saying in the page which date is wrong.
  function period() {
    var form = $("period"), out = {}, wrong = [];
    [["since", "De la"], ["until", "Până la"]].forEach(function (f) {
      var iso = isoFromRo(form[f[0]].value);
      form[f[0]].setAttribute("aria-invalid", iso ? "false" : "true");
      if (iso) out[f[0]] = iso; else wrong.push("„" + f[1] + "”");
    });
    if (wrong.length) {
      showError(wrong.join(" și ") + (wrong.length > 1 ? " trebuie să fie date" : " trebuie să fie o dată") +
        " în forma zz.ll.aaaa, de exemplu 01.11.2026.");
      return null;
    }
    return out;
  }
  // "since=…&until=…", or null (and the error shown) when a date is wrong: nothing is asked.
  function periodQuery() {
    var p = period();
    return p ? "since=" + encodeURIComponent(p.since) + "&until=" + encodeURIComponent(p.until) : null;
  }

  // -- charts ---------------------------------------------------------------------------

  // Vertical bars, one per day; stacked when two series are given.
  function dayChart(fig, series, title) {
    var rows = fig.rows, width = 640, height = 220, left = 40, bottom = 28, top = 10;
    var max = 1;
    rows.forEach(function (row) {
      var total = 0;
      series.forEach(function (s) { total += Number(row[s.col] || 0); });
      max = Math.max(max, total);
    });
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-label": title });
    var plotW = width - left - 10, plotH = height - top - bottom, step = plotW / Math.max(rows.length, 1);
    svg.appendChild(svgEl("line", { x1: left, y1: top + plotH, x2: width - 10, y2: top + plotH, class: "axis" }));
    [0, max / 2, max].forEach(function (v) {
      var y = top + plotH - (v / max) * plotH;
      var t = svgEl("text", { x: left - 4, y: y + 4, "text-anchor": "end" });
      t.textContent = number(Math.round(v * 10) / 10);
      svg.appendChild(t);
    });
    rows.forEach(function (row, i) {
      var y = top + plotH;
      series.forEach(function (s) {
        var value = Number(row[s.col] || 0), h = (value / max) * plotH;
        y -= h;
        var rect = svgEl("rect", {
          x: left + i * step + step * 0.1, y: y, width: Math.max(step * 0.8, 1), height: h,
          class: s.cls, "data-label": row[0], "data-series": s.name, "data-value": row[s.col] === null ? "" : row[s.col],
        });
        var tip = svgEl("title");
        tip.textContent = roDate(row[0]) + " — " + s.name + ": " + number(row[s.col]);
        rect.appendChild(tip);
        svg.appendChild(rect);
      });
      if (rows.length <= 14 || i % Math.ceil(rows.length / 8) === 0) {
        var label = svgEl("text", { x: left + i * step + step / 2, y: height - 10, "text-anchor": "middle" });
        label.textContent = roDate(row[0]).slice(0, 5);  // "01.11"
        svg.appendChild(label);
      }
    });
    return svg;
  }

  // Horizontal bars, one per row.
  function barChart(fig, labelCol, valueCol, title, max) {
    var rows = fig.rows, width = 640, rowH = 26, left = 230, height = Math.max(rows.length, 1) * rowH + 10;
    var top = 0;
    rows.forEach(function (row) { top = Math.max(top, Number(row[valueCol] || 0)); });
    max = max || Math.max(top, 1);
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-label": title });
    rows.forEach(function (row, i) {
      var value = Number(row[valueCol] || 0), y = 5 + i * rowH;
      var label = svgEl("text", { x: left - 6, y: y + 16, "text-anchor": "end" });
      var text = String(row[labelCol]);
      label.textContent = text.length > 36 ? text.slice(0, 35) + "…" : text;
      svg.appendChild(label);
      var rect = svgEl("rect", {
        x: left, y: y + 3, height: rowH - 8, width: Math.max((value / max) * (width - left - 60), 0),
        class: "bar-bot", "data-label": row[labelCol], "data-value": row[valueCol],
      });
      var tip = svgEl("title");
      tip.textContent = text + ": " + number(row[valueCol]);
      rect.appendChild(tip);
      svg.appendChild(rect);
      var v = svgEl("text", { x: left + (value / max) * (width - left - 60) + 6, y: y + 16 });
      v.textContent = number(row[valueCol]);
      svg.appendChild(v);
    });
    return svg;
  }

  // Horizontal bars, one per row, stacked by series (the filings of a form by status).
  function stackedBarChart(fig, labelCol, series, title) {
    var rows = fig.rows, width = 640, rowH = 26, left = 230, height = Math.max(rows.length, 1) * rowH + 10;
    var max = 1;
    rows.forEach(function (row) {
      var total = 0;
      series.forEach(function (s) { total += Number(row[s.col] || 0); });
      max = Math.max(max, total);
    });
    var plotW = width - left - 60;
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-label": title });
    rows.forEach(function (row, i) {
      var y = 5 + i * rowH, x = left, total = 0;
      var text = String(row[labelCol]);
      var label = svgEl("text", { x: left - 6, y: y + 16, "text-anchor": "end" });
      label.textContent = text.length > 36 ? text.slice(0, 35) + "…" : text;
      svg.appendChild(label);
      series.forEach(function (s) {
        var value = Number(row[s.col] || 0), w = (value / max) * plotW;
        total += value;
        var rect = svgEl("rect", {
          x: x, y: y + 3, height: rowH - 8, width: Math.max(w, 0), class: s.cls,
          "data-label": row[labelCol], "data-series": s.name, "data-value": row[s.col],
        });
        var tip = svgEl("title");
        tip.textContent = text + " — " + s.name + ": " + number(value);
        rect.appendChild(tip);
        svg.appendChild(rect);
        x += w;
      });
      var v = svgEl("text", { x: x + 6, y: y + 16 });
      v.textContent = number(total);
      svg.appendChild(v);
    });
    return svg;
  }

  function summaryText(fig) {
    var s = fig.summary;
    switch (fig.key) {
      case "conversations":
        return "Total: " + s.total + " conversații — " + s.doar_asistentul + " doar cu asistentul, " + s.cu_functionar + " cu un funcționar.";
      case "handoff":
        return s.total + " cereri de a vorbi cu un funcționar; " + s.in_afara_programului_sau_fara_functionar + " în afara programului sau fără funcționar activ.";
      case "queue_wait":
        return "Preluate: " + s.preluate + "; medie " + number(s.medie_minute) + " min, mediană " + number(s.mediana_minute) +
          " min, p90 " + number(s.p90_minute) + " min; ieșite din coadă fără funcționar: " + s.plecate_din_coada + ".";
      case "length":
        return s.conversatii + " conversații; în medie " + number(s.medie_mesaje) + " mesaje ale cetățeanului.";
      case "fallback":
        return s.mesaje + " mesaje clasificate, " + s.neintelese + " neînțelese sau în afara procedurilor (" + number(s.rata_procent) + "%).";
      case "redirects": return s.total + " redirecționări către alte departamente.";
      case "forms": return s.formulare + " formulare menționate de cetățeni.";
      case "ratings": return s.evaluari + " evaluări (nota de la 1 la 5).";
      case "low_ratings": return s.total + " conversații evaluate cu 1 sau 2.";
      case "submissions":
        return s.total + " cereri depuse pentru " + s.formulare + " formulare; " + s.deschise +
          " încă deschise, " + s.resolved + " soluționate, " + s.rejected + " respinse.";
      default: return "";
    }
  }

  function dataTable(fig, linkCol) {
    var wrap = el("div", "table-wrap");
    var table = el("table", "results");
    table.dataset.figure = fig.key;
    var head = el("tr");
    fig.columns.forEach(function (c) { head.appendChild(el("th", null, c)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    fig.rows.forEach(function (row) {
      var tr = el("tr");
      row.forEach(function (cell, i) {
        var td = el("td", typeof cell === "number" ? "num" : (i === row.length - 1 ? "text" : null));
        if (i === linkCol) {
          var a = el("a", null, cell);
          a.href = "/console/audit/#conversatie=" + encodeURIComponent(cell);
          td.appendChild(a);
        } else {
          td.textContent = cell === null ? "—" : (typeof cell === "number" ? number(cell) : roDate(cell));
        }
        td.dataset.value = cell === null ? "" : String(cell);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    wrap.appendChild(table);
    return wrap;
  }

  function figureSection(fig) {
    var section = el("section", "figure");
    section.id = "figura-" + fig.key;
    section.setAttribute("aria-labelledby", "titlu-" + fig.key);
    var h = el("h2", null, fig.title); h.id = "titlu-" + fig.key;
    section.appendChild(h);
    var line = el("p", "summary facts-line", summaryText(fig));
    line.dataset.summary = JSON.stringify(fig.summary);
    section.appendChild(line);
    if (fig.key === "conversations") {
      var legend = el("div", "legend");
      legend.appendChild(el("span", "bot", "Doar asistentul"));
      legend.appendChild(el("span", "clerk", "Cu funcționar"));
      section.appendChild(legend);
      section.appendChild(dayChart(fig, [{ col: 1, cls: "bar-bot", name: "Doar asistentul" }, { col: 2, cls: "bar-clerk", name: "Cu funcționar" }], fig.title));
    } else if (fig.key === "fallback") {
      section.appendChild(dayChart(fig, [{ col: 3, cls: "bar-bot", name: "Rata (%)" }], fig.title));
    } else if (fig.key === "forms") {
      section.appendChild(barChart(fig, 0, 2, fig.title));
    } else if (fig.key === "submissions") {
      // Columns: Formular, Cod, one per status, Total.
      var statuses = ["new", "assigned", "waiting_citizen", "resolved", "rejected"];
      var series = statuses.map(function (st, i) { return { col: 2 + i, cls: "st-" + st, name: fig.columns[2 + i] }; });
      var key = el("div", "legend");
      series.forEach(function (s) { key.appendChild(el("span", s.cls, s.name)); });
      section.appendChild(key);
      section.appendChild(stackedBarChart(fig, 0, series, fig.title));
    } else if (fig.key === "ratings") {
      section.appendChild(barChart(fig, 0, 3, fig.title + " (media)", 5));
    } else if (fig.key !== "low_ratings") {
      section.appendChild(barChart(fig, 0, 1, fig.title));
    }
    if (fig.key === "low_ratings") {
      section.appendChild(dataTable(fig, 1));
    } else {
      var details = el("details");
      details.appendChild(el("summary", null, "Cifrele graficului"));
      details.appendChild(dataTable(fig, -1));
      section.appendChild(details);
    }
    var actions = el("div", "actions");
    var csv = el("button", null, "Exportați CSV");
    csv.type = "button";
    csv.dataset.csv = fig.key;
    csv.addEventListener("click", function () {
      var query = periodQuery();
      if (query) download(API + "/csv/" + fig.key + "?" + query, fig.key + ".csv");
    });
    actions.appendChild(csv);
    section.appendChild(actions);
    return section;
  }

  function loadDashboard() {
    showError("");
    var query = periodQuery();
    if (!query) return;
    var box = $("cifre");
    box.textContent = "";
    box.appendChild(el("p", "summary", "Se încarcă…"));
    request(API + "/dashboard?" + query).then(function (data) {
      box.textContent = "";
      data.figures.forEach(function (fig) { box.appendChild(figureSection(fig)); });
      box.dataset.loaded = data.since + "/" + data.until;
    }).catch(function (error) { box.textContent = ""; if (error.message) showError(error.message); });
  }

  // -- review ---------------------------------------------------------------------------

  function select(name, options, emptyLabel) {
    var s = el("select");
    s.name = name;
    if (emptyLabel) { var o = el("option", null, emptyLabel); o.value = ""; s.appendChild(o); }
    options.forEach(function (opt) {
      var option = el("option", null, opt.label);
      option.value = opt.value;
      s.appendChild(option);
    });
    return s;
  }

  function labelText(label) {
    if (!label) return "";
    return "Etichetat: " + label.intent + (label.form_id ? " · " + label.form_id : "");
  }

  function messageRow(m) {
    var row = el("div", "message");
    row.dataset.seq = m.seq;
    var left = el("div");
    left.appendChild(el("div", "text", m.text));
    left.appendChild(el("div", "meta", roDate(m.time) + " · " + m.reason + " · intenție: " + (m.intent || "—") +
      (m.confidence !== null && m.confidence !== undefined ? " (" + Math.round(m.confidence * 100) + "%)" : "")));
    var done = el("div", "labelled", labelText(m.label));
    left.appendChild(done);
    row.appendChild(left);
    var form = el("form");
    form.setAttribute("aria-label", "Etichetați mesajul");
    var intents = select("intent", reviewData.intents.map(function (i) { return { value: i, label: i }; }), "— intenția —");
    intents.setAttribute("aria-label", "Intenția");
    var forms = select("form_id", reviewData.forms.map(function (f) { return { value: f.id, label: f.title }; }), "— fără formular —");
    forms.setAttribute("aria-label", "Formularul (opțional)");
    if (m.label) { intents.value = m.label.intent; forms.value = m.label.form_id || ""; }
    var button = el("button", null, "Etichetați");
    button.type = "submit";
    form.appendChild(intents); form.appendChild(forms); form.appendChild(button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      request(API + "/review/label", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ seq: m.seq, intent: intents.value, form_id: forms.value || null }),
      }).then(function (data) {
        done.textContent = labelText(data.label);
        $("review-status").textContent = "Mesajul a fost etichetat.";
      }).catch(function (error) { if (error.message) $("review-status").textContent = error.message; });
    });
    row.appendChild(form);
    return row;
  }

  function loadReview() {
    var query = periodQuery();
    if (!query) { $("review-status").textContent = ""; return; }
    $("review-status").textContent = "Se încarcă…";
    request(API + "/review?" + query).then(function (data) {
      reviewData = data;
      var box = $("review-groups");
      box.textContent = "";
      var total = 0;
      data.groups.forEach(function (g, i) {
        total += g.count;
        var group = el("div", "group");
        group.appendChild(el("h3", null, "Grupul " + (i + 1) + ": " + g.count + (g.count === 1 ? " mesaj" : " mesaje")));
        var reasons = Object.keys(g.reasons).map(function (r) { return r + " " + g.reasons[r]; }).join(", ");
        group.appendChild(el("p", "summary", reasons));
        g.messages.forEach(function (m) { group.appendChild(messageRow(m)); });
        box.appendChild(group);
      });
      $("review-status").textContent = data.groups.length ? data.groups.length + " grupuri, " + total + " mesaje." : "Nicio întrebare fără răspuns în perioada aleasă.";
    }).catch(function (error) { if (error.message) $("review-status").textContent = error.message; });
  }

  function exportReview() {
    download(API + "/review/export", "reviewed.yml", function (headers) {
      $("review-status").textContent = "Fișierul reviewed.yml a fost descărcat: " + (headers.get("X-Exported") || "0") +
        " mesaje exportate; " + (headers.get("X-Near-Heldout") || "0") + " lăsate deoparte pentru că seamănă cu mesaje din seturile de test. Pe server, comanda „python -m archive review export” îl adaugă la data/nlu/reviewed.yml.";
    });
  }

  // -- facts ----------------------------------------------------------------------------

  function loadFacts() {
    $("facts-status").textContent = "Se încarcă…";
    request(API + "/facts").then(function (data) {
      var table = $("facts"), body = table.querySelector("tbody");
      body.textContent = "";
      data.facts.forEach(function (f) {
        var tr = el("tr");
        [f.form_title, f.asked, f.aspect_label, f.text, f.source,
          f.status + (f.confirmed_on ? " (" + f.confirmed_by + ", " + roDate(f.confirmed_on) + ")" : "")].forEach(function (cell, i) {
          var td = el("td", i === 1 ? "num" : (i === 3 ? "text" : null), cell);
          tr.appendChild(td);
        });
        tr.dataset.form = f.form_id;
        body.appendChild(tr);
      });
      table.hidden = false;
      $("facts-status").textContent = data.total + " fapte de confirmat" + (data.total > data.facts.length ? " (primele " + data.facts.length + " afișate)." : ".");
    }).catch(function (error) { if (error.message) $("facts-status").textContent = error.message; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("period");
    var today = new Date();
    var past = new Date(today.getTime() - 29 * 24 * 3600 * 1000);
    function iso(d) { return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0"); }
    var params = new URLSearchParams(window.location.search);
    // The address may name the period as AAAA-LL-ZZ (a link) or zz.ll.aaaa (typed).
    form.since.value = roFromIso(params.get("since")) || params.get("since") || roDate(iso(past));
    form.until.value = roFromIso(params.get("until")) || params.get("until") || roDate(iso(today));
    form.addEventListener("submit", function (event) { event.preventDefault(); loadDashboard(); });
    $("review-load").addEventListener("click", loadReview);
    $("review-export").addEventListener("click", exportReview);
    $("facts-load").addEventListener("click", loadFacts);
    loadDashboard();
  });
})();
