/* The filing page (web/submissions.py): uploads, checklist, confirmation. Every text the
   citizen or the server sends is shown with textContent, never as HTML. */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var config = JSON.parse(app.getAttribute("data-config"));
  var state = { draft: null };
  var errorBox = document.getElementById("error");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
    if (message) errorBox.scrollIntoView({ block: "center" });
  }

  function readAnswer(res) {
    return res.json().then(
      function (body) { return { ok: res.ok, body: body }; },
      function () {
        return { ok: false, body: { message: res.status === 413
          ? "Fișierul depășește " + config.max_file_mb + " MB, limita pentru un document."
          : "Serverul nu a răspuns cum trebuie. Încercați din nou." } };
      });
  }

  function render(data) {
    var list = document.getElementById("checklist");
    list.textContent = "";
    (data.checklist || []).forEach(function (item) {
      var li = el("li");
      li.appendChild(el("span", "item-text", item.text));
      var has = item.attached.length > 0;
      li.appendChild(el("span", "item-state" + (has ? " ok" : ""),
        has ? "✓ Atașat: " + item.attached.join(", ") : "Neatașat încă"));
      var id = "file-" + item.index;
      var input = el("input", "file");
      input.type = "file"; input.id = id;
      input.accept = "application/pdf,image/jpeg,image/png,image/heic,.heic";
      input.addEventListener("change", function () { send(input, String(item.index), false); });
      var label = el("label", "button secondary small", has ? "Adăugați încă un fișier" : "Adăugați");
      label.htmlFor = id;
      li.appendChild(input); li.appendChild(label);
      list.appendChild(li);
    });
    var attached = document.getElementById("attached");
    attached.textContent = "";
    (data.documents || []).forEach(function (doc) {
      var li = el("li");
      var left = el("span", null, doc.name + " (" + Math.max(1, Math.round(doc.size / 1024)) + " KB)");
      if (doc.role === "signed_form") left.appendChild(el("span", "verdict", "Cererea semnată; semnătura se verifică la depunere."));
      var remove = el("button", "button secondary small", "Ștergeți");
      remove.type = "button";
      remove.setAttribute("aria-label", "Ștergeți " + doc.name);
      remove.addEventListener("click", function () { removeDocument(doc.id); });
      li.appendChild(left); li.appendChild(remove);
      attached.appendChild(li);
    });
  }

  function send(input, requirement, signed) {
    var file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    showError("");
    var body = new FormData();
    body.append("form_id", config.form_id);
    if (state.draft) body.append("draft", state.draft);
    if (requirement !== null) body.append("requirement", requirement);
    if (signed) body.append("signed", "1");
    body.append("file", file, file.name);
    fetch("/depunere/documente", { method: "POST", body: body }).then(readAnswer).then(function (answer) {
      if (!answer.ok) { showError(answer.body.message); return; }
      state.draft = answer.body.draft;
      render(answer.body);
    }, function () { showError("Fișierul nu a putut fi trimis. Verificați conexiunea și încercați din nou."); });
  }

  function removeDocument(id) {
    fetch("/depunere/documente/sterge", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ draft: state.draft, id: id, form_id: config.form_id })
    }).then(readAnswer).then(function (answer) {
      if (!answer.ok) { showError(answer.body.message); return; }
      render(answer.body);
    });
  }

  function sendReply() {
    showError("");
    var button = document.getElementById("send");
    button.disabled = true;
    fetch("/depunere/completeaza", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        draft: state.draft, registration_no: document.getElementById("reply-number").value,
        access_code: document.getElementById("reply-code").value
      })
    }).then(readAnswer).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { showError(answer.body.message); return; }
      var done = document.getElementById("done");
      done.textContent = "";
      done.appendChild(el("h2", null, "Documentul a fost trimis"));
      done.appendChild(el("p", null, "Cererea nr. " + answer.body.registration_no + " este acum: " +
        answer.body.status + ". Vă anunțăm în chat și pe e-mail când se schimbă stadiul."));
      button.hidden = true;
      done.hidden = false;
      done.scrollIntoView({ block: "start" });
    }, function () {
      button.disabled = false;
      showError("Documentul nu a putut fi trimis. Verificați conexiunea și încercați din nou.");
    });
  }

  function submit() {
    if (config.reply_mode) { sendReply(); return; }
    showError("");
    var button = document.getElementById("send");
    button.disabled = true;
    fetch("/depunere/trimite", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        draft: state.draft, form_id: config.form_id, mode: config.message_mode ? "mesaj" : null,
        conversation_id: config.conversation_id, department: config.department,
        name: document.getElementById("name").value, email: document.getElementById("email").value,
        phone: document.getElementById("phone").value, message: document.getElementById("message").value
      })
    }).then(readAnswer).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { showError(answer.body.message); return; }
      var r = answer.body;
      document.getElementById("done-number").textContent = r.registration_no;
      document.getElementById("done-code").textContent = r.access_code;
      document.getElementById("done-due").textContent = r.due_on;
      document.getElementById("done-receipt").href = r.receipt_url;
      if (r.answer_by) {
        var when = document.getElementById("done-answer");
        when.textContent = "Un funcționar vă răspunde în ziua lucrătoare următoare, " + r.answer_by + ".";
        when.hidden = false;
      }
      document.getElementById("send").hidden = true;
      var done = document.getElementById("done");
      done.hidden = false;
      done.scrollIntoView({ block: "start" });
    }, function () {
      button.disabled = false;
      showError("Cererea nu a putut fi trimisă. Verificați conexiunea și încercați din nou.");
    });
  }

  document.getElementById("extra-file").addEventListener("change", function (e) { send(e.target, null, false); });
  document.getElementById("signed-file").addEventListener("change", function (e) { send(e.target, null, true); });
  document.getElementById("send").addEventListener("click", submit);
  document.getElementById("limits").textContent =
    "PDF, JPEG sau PNG, cel mult " + config.max_file_mb + " MB fiecare și " + config.max_files +
    " documente. Fotografiile se trimit fără locația și datele telefonului.";
  if (config.reply_mode) {
    document.getElementById("lead").textContent =
      "Departamentul v-a cerut un document pentru cererea dumneavoastră. Scrieți numărul și codul de acces de pe dovada de înregistrare, adăugați documentul și trimiteți-l.";
    document.getElementById("reply-section").hidden = false;
    document.getElementById("reply-number").value = config.reply_number || "";
    document.getElementById("contact-section").hidden = true;
    document.getElementById("checklist").hidden = true;
    document.getElementById("signed-file").parentNode.hidden = true;
    document.getElementById("documents-title").textContent = "Documentul cerut";
    document.getElementById("send").textContent = "Trimiteți documentul";
  } else if (config.message_mode) {
    document.getElementById("lead").textContent =
      "Scrieți întrebarea și cum vă putem contacta. Mesajul se înregistrează cu un număr și primiți răspuns în ziua lucrătoare următoare. Puteți atașa și o fotografie.";
    document.getElementById("documents-title").textContent = "Fotografii sau documente (opțional)";
    document.getElementById("message-label").textContent = "Mesajul dumneavoastră";
    document.getElementById("send").textContent = "Trimiteți mesajul";
    document.getElementById("checklist").hidden = true;
    document.getElementById("signed-file").parentNode.hidden = true;
  } else if (config.department) {
    document.getElementById("lead").textContent =
      "Descrieți problema în mesaj și atașați o fotografie. Sesizarea ajunge ca petiție la " +
      config.department_name + ", cu număr de înregistrare și răspuns în cel mult 30 de zile.";
    document.getElementById("message-label").textContent = "Ce doriți să semnalați (strada, locul, problema)";
    document.getElementById("checklist").hidden = true;
    document.getElementById("signed-file").parentNode.hidden = true;
    document.getElementById("send").textContent = "Trimiteți sesizarea";
  } else {
    document.getElementById("lead").textContent =
      "Adăugați documentele din listă (fotografii clare sau scanări), completați datele de contact și trimiteți. Primiți imediat numărul de înregistrare.";
  }
  fetch("/depunere/api/lista?form_id=" + encodeURIComponent(config.form_id)).then(readAnswer).then(function (a) {
    if (a.ok) render(a.body); else showError(a.body.message);
  });
})();
