/*
 * The form a citizen is filling in the chat, in the clerk's conversation panel: every
 * field with the citizen's answer, what is still required, a field set or corrected by the
 * clerk (the server checks it with the catalog's validators and tells the citizen), and
 * the filled, sealed PDF sent to the citizen. Values are inserted with textContent/value,
 * never as HTML. Uses the console's API helpers (window.efConsole, console.js).
 */
(function () {
  "use strict";

  var consoleApi = window.efConsole;
  if (!consoleApi) return;
  var el = consoleApi.el;

  function path(id, rest) {
    return "/conversations/" + encodeURIComponent(id) + "/filling" + (rest || "");
  }

  function summaryText(filling) {
    if (!filling) return "Formular: niciunul în completare";
    var done = filling.fields.filter(function (f) { return f.answered; }).length;
    var text = "Formular în completare: " + filling.title + " (" + done + "/" + filling.fields.length + ")";
    if (filling.missing.length) text += " — lipsesc " + filling.missing.length + " câmpuri obligatorii";
    return text;
  }

  function input(field, id) {
    var node;
    if (field.type === "checkbox") {
      node = el("select");
      [["", "—"], ["da", "da"], ["nu", "nu"]].forEach(function (pair) {
        var o = el("option", null, pair[1]);
        o.value = pair[0];
        node.appendChild(o);
      });
      node.value = field.answered ? field.value : "";
    } else if (field.multiline) {
      node = el("textarea");
      node.rows = 3;
      node.value = field.value;
    } else {
      node = el("input");
      node.type = "text";
      node.value = field.value;
      if (field.type === "date") node.placeholder = "zz.ll.aaaa";
    }
    node.id = id;
    return node;
  }

  function render(section, conv, filling) {
    var summary = section.querySelector("summary");
    summary.textContent = summaryText(filling);
    var body = section.querySelector(".filling-body");
    body.textContent = "";
    var actions = el("div", "filling-actions");
    if (!filling) {
      body.appendChild(el("p", "empty",
        "Cetățeanul nu completează niciun formular în chat. Alegeți formularul în lista de mai sus " +
        "și completați-l împreună cu cetățeanul."));
      var start = el("button", null, "Începeți completarea");
      start.type = "button";
      start.addEventListener("click", function () {
        if (!conv.formSelect.value) { consoleApi.toast("Alegeți întâi un formular."); return; }
        consoleApi.act(path(conv.id), { form_id: conv.formSelect.value }).then(function (data) {
          render(section, conv, data.filling);
          section.open = true;
        });
      });
      actions.appendChild(start);
      body.appendChild(actions);
      return;
    }
    filling.fields.forEach(function (field) {
      var row = el("div", "filling-row" + (filling.next === field.name ? " filling-row--next" : ""));
      var id = "fill-" + conv.id + "-" + field.name;
      var label = el("label", null, field.label + (field.required ? " *" : ""));
      label.htmlFor = id;
      if (field.hint) label.title = field.hint;
      var box = input(field, id);
      var error = el("p", "filling-error");
      error.id = id + "-error";
      error.setAttribute("aria-live", "polite");
      box.setAttribute("aria-describedby", error.id);
      var save = el("button", null, "Salvați");
      save.type = "button";
      save.setAttribute("aria-label", "Salvați „" + field.label + "”");
      save.addEventListener("click", function () {
        error.textContent = "";
        save.disabled = true;
        consoleApi.api("POST", path(conv.id), { form_id: filling.form_id, field: field.name, value: box.value })
          .then(function (data) { render(section, conv, data.filling); })
          .catch(function (failure) {
            error.textContent = failure.message;
            box.setAttribute("aria-invalid", "true");
            box.focus();
            save.disabled = false;
          });
      });
      row.appendChild(label); row.appendChild(box); row.appendChild(save); row.appendChild(error);
      body.appendChild(row);
    });
    var send = el("button", null, "Trimiteți cetățeanului PDF-ul completat");
    send.type = "button";
    send.disabled = filling.missing.length > 0;
    if (send.disabled) send.title = "Mai trebuie completate: " + filling.missing.join(", ");
    send.addEventListener("click", function () {
      send.disabled = true;
      consoleApi.act(path(conv.id, "/pdf")).then(function (data) {
        render(section, conv, data.filling);
        consoleApi.toast("PDF-ul completat și sigilat a fost trimis cetățeanului.");
      }).catch(function () { send.disabled = false; });
    });
    var refresh = el("button", null, "Reîncărcați");
    refresh.type = "button";
    refresh.addEventListener("click", function () { load(section, conv); });
    actions.appendChild(send); actions.appendChild(refresh);
    body.appendChild(actions);
  }

  function load(section, conv) {
    consoleApi.api("GET", path(conv.id)).then(function (data) {
      render(section, conv, data.filling);
      if (data.filling) section.open = true;
    }).catch(function (failure) {
      section.querySelector("summary").textContent = "Formular: " + failure.message;
    });
  }

  document.addEventListener("console:panel", function (event) {
    var conv = event.detail;
    var section = el("details", "filling");
    section.appendChild(el("summary", null, "Formular: se încarcă…"));
    section.appendChild(el("div", "filling-body"));
    conv.root.insertBefore(section, conv.before);
    load(section, conv);
  });
})();
