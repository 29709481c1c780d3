/* The department queues (web/department.py). Everything from the server is shown with
   textContent: citizens' names, messages and file names are never HTML. */
(function () {
  "use strict";
  var API = "/console/api/cereri";
  var state = { closed: false, selected: null };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function toast(message) {
    var box = document.getElementById("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function call(url, options) {
    return fetch(url, options || {}).then(function (res) {
      if (res.status === 401) { window.location.href = "/console/login"; throw new Error("login"); }
      return res.json().then(function (body) {
        if (!res.ok) { toast(body.message || "Operațiunea nu a reușit."); throw new Error(body.error); }
        return body;
      });
    });
  }

  function renderList(data) {
    if (data.department) document.getElementById("dept").textContent = data.department + " · e-funcționar";
    var list = document.getElementById("filings");
    list.textContent = "";
    document.getElementById("empty").hidden = data.filings.length > 0;
    data.filings.forEach(function (f) {
      var li = el("li", f.overdue ? "overdue" : "");
      if (state.selected === f.id) li.classList.add("selected");
      var button = el("button");
      button.type = "button";
      var line = el("span", "no", "Nr. " + f.registration_no);
      line.appendChild(el("span", "badge status", f.status_name));
      if (f.overdue) line.appendChild(el("span", "badge overdue", "Termen depășit"));
      button.appendChild(line);
      button.appendChild(el("span", "meta", f.form_title + " · " + f.citizen_name));
      button.appendChild(el("span", "meta", "Depusă " + f.filed_local + " · termen " + f.due_on));
      button.addEventListener("click", function () { open(f.id); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function load() {
    return call(API + (state.closed ? "?inchise=1" : "")).then(renderList, function () {});
  }

  function fact(list, name, value) {
    if (value === null || value === undefined || value === "") return;
    list.appendChild(el("dt", null, name));
    list.appendChild(el("dd", null, value));
  }

  function renderDetail(f) {
    state.selected = f.id;
    document.getElementById("detail").hidden = false;
    document.getElementById("d-title").textContent = "Cererea nr. " + f.registration_no + " — " + f.form_title;
    var facts = document.getElementById("d-facts");
    facts.textContent = "";
    fact(facts, "Stadiu", f.status_name + (f.overdue ? " (termen depășit)" : ""));
    fact(facts, "Depusă", f.filed_local);
    fact(facts, "Termen legal", f.due_on + " — " + f.term_basis);
    fact(facts, "Solicitant", f.citizen_name);
    fact(facts, "E-mail", f.citizen_email);
    fact(facts, "Telefon", f.citizen_phone);
    fact(facts, "Subiect", f.subject);
    fact(facts, "Mesaj", f.message);
    fact(facts, "Preluată de", f.assigned_to);
    fact(facts, "Document cerut", f.request_text);
    fact(facts, "Răspuns / motiv", f.resolution);
    var docs = document.getElementById("d-docs");
    docs.textContent = "";
    if (!f.documents.length) docs.appendChild(el("li", null, "Niciun document atașat."));
    f.documents.forEach(function (d) {
      var li = el("li");
      var link = el("a", null, d.name);
      link.href = API + "/" + f.id + "/documente/" + d.id;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" (" + Math.max(1, Math.round(d.size / 1024)) + " KB" +
        (d.role === "signed_form" ? ", cererea semnată de solicitant" : d.role === "answer" ? ", răspunsul trimis" : d.role === "reply" ? ", trimis de solicitant la cererea departamentului" : "") + ")"));
      if (d.signature_verdict) li.appendChild(el("span", "verdict " + d.signature_verdict, "Semnătura: " + d.signature_message));
      li.appendChild(el("span", "sha", "SHA-256 " + d.sha256));
      docs.appendChild(li);
    });
    var isOpen = f.status === "new" || f.status === "assigned" || f.status === "waiting_citizen";
    document.getElementById("d-actions").hidden = !isOpen;
    document.getElementById("a-assign").hidden = f.status !== "new";
    document.getElementById("a-ask").hidden = f.status === "waiting_citizen";
    load();
  }

  function open(id) { call(API + "/" + id).then(renderDetail, function () {}); }

  function step(name, withText) {
    var text = document.getElementById("a-text").value;
    var options = { method: "POST" };
    var pdf = document.getElementById("a-pdf");
    if (name === "solutionare" && pdf.files && pdf.files[0]) {
      var body = new FormData();
      body.append("text", text);
      body.append("file", pdf.files[0], pdf.files[0].name);
      options.body = body;
    } else if (withText) {
      options.headers = { "Content-Type": "application/json" };
      options.body = JSON.stringify({ text: text });
    }
    call(API + "/" + state.selected + "/" + name, options).then(function (f) {
      document.getElementById("a-text").value = "";
      pdf.value = "";
      toast("Cererea nr. " + f.registration_no + ": " + f.status_name + ". Cetățeanul a fost anunțat.");
      renderDetail(f);
    }, function () {});
  }

  document.getElementById("a-assign").addEventListener("click", function () { step("repartizare", false); });
  document.getElementById("a-ask").addEventListener("click", function () { step("solicitare", true); });
  document.getElementById("a-resolve").addEventListener("click", function () { step("solutionare", true); });
  document.getElementById("a-reject").addEventListener("click", function () { step("respingere", true); });
  function tab(closed) {
    state.closed = closed;
    document.getElementById("tab-open").setAttribute("aria-selected", String(!closed));
    document.getElementById("tab-closed").setAttribute("aria-selected", String(closed));
    document.getElementById("list-title").textContent = closed ? "Închise" : "De rezolvat";
    load();
  }
  document.getElementById("tab-open").addEventListener("click", function () { tab(false); });
  document.getElementById("tab-closed").addEventListener("click", function () { tab(true); });
  load();
  setInterval(load, 30000);
})();
