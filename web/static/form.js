/* The form pages (web/forms.py): signature pad, submission, errors next to the fields.
 * Plain JavaScript, no build. The server checks every value; this script only sends them,
 * shows what the server says and starts the download of the sealed PDF. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("form-page");
  if (!form || !window.fetch || !window.JSON) return; // the plain form POST still works

  var formId = form.getAttribute("data-form-id");
  var summary = document.getElementById("form-summary");
  var result = document.getElementById("form-result");
  var submit = document.getElementById("form-submit");
  var submitLabel = submit.textContent;
  var sigField = form.querySelector(".field--signature");
  var sigName = sigField ? sigField.id.replace(/-field$/, "") : null;
  var canvas = sigField ? sigField.querySelector("canvas") : null;
  var typed = document.getElementById("semnatura_text");
  var pad = null;
  var busy = false;
  var lastUrl = null;

  // --- signature ---------------------------------------------------------------------
  function mode() {
    var checked = form.querySelector('input[name="semnatura_mod"]:checked');
    return checked ? checked.value : "desen";
  }

  function fitCanvas() {
    if (!pad || !canvas.offsetWidth) return;
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = Math.round(canvas.offsetWidth * ratio);
    var height = Math.round(canvas.offsetHeight * ratio);
    if (canvas.width === width && canvas.height === height) return; // e.g. the URL bar moved
    var strokes = pad.toData();
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }

  function showMode() {
    if (!sigField) return;
    sigField.setAttribute("data-mode", mode());
    fitCanvas();
  }

  if (canvas && window.SignaturePad) {
    pad = new window.SignaturePad(canvas, {
      penColor: "rgb(20, 40, 140)", minWidth: 1.2, maxWidth: 3.2, backgroundColor: "rgba(0,0,0,0)"
    });
    pad.addEventListener("endStroke", function () { clearError(sigName); });
    // The pad keeps its touches to itself. The pad draws from pointer events, and the browser
    // still treats the touch as a gesture: a stroke that leaves the screen while moving (how
    // most signatures end) starts a fling. A tap while the fling runs only stops it, so the
    // tap on "Semnați și descărcați" a moment later did nothing. A cancelled touchstart is
    // not a gesture.
    canvas.addEventListener("touchstart", function (event) {
      if (event.cancelable) event.preventDefault();
    }, { passive: false });
    window.addEventListener("resize", fitCanvas);
    document.getElementById(sigName + "-clear").addEventListener("click", function () {
      pad.clear();
    });
  } else if (sigField) {
    // No pad (the vendored script did not load): only the typed name is offered.
    var nameRadio = document.getElementById(sigName + "-nume");
    if (nameRadio) nameRadio.checked = true;
    var modes = sigField.querySelector(".sig-modes");
    if (modes) modes.hidden = true;
  }
  Array.prototype.forEach.call(form.querySelectorAll('input[name="semnatura_mod"]'), function (radio) {
    radio.addEventListener("change", showMode);
  });
  showMode();

  // --- errors ------------------------------------------------------------------------
  function controlOf(name) {
    if (name === sigName) {
      return mode() === "nume" ? typed : form.querySelector('input[name="semnatura_mod"]:checked');
    }
    return document.getElementById(name);
  }

  function clearError(name) {
    if (!name) return;
    var box = document.getElementById(name + "-error");
    if (box) { box.textContent = ""; box.hidden = true; }
    var control = name === sigName ? typed : document.getElementById(name);
    if (control) control.removeAttribute("aria-invalid");
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".error"), function (box) {
      box.textContent = ""; box.hidden = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid="true"]'), function (el) {
      el.removeAttribute("aria-invalid");
    });
    summary.hidden = true;
  }

  function showSummary(message, errors) {
    summary.querySelector(".summary-title").textContent = message;
    var list = summary.querySelector("ul");
    list.textContent = "";
    Object.keys(errors || {}).forEach(function (name) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + (name === sigName ? name + "-field" : name);
      link.textContent = errors[name];
      link.addEventListener("click", function (event) {
        var control = controlOf(name);
        if (control) { event.preventDefault(); control.focus(); }
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.hidden = false;
  }

  function showErrors(data) {
    var errors = data.errors || {};
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var box = document.getElementById(name + "-error");
      if (!box) return;
      box.textContent = errors[name];
      box.hidden = false;
      var control = name === sigName ? typed : document.getElementById(name);
      if (control) control.setAttribute("aria-invalid", "true");
    });
    // Focus goes to the first field with an error, in the page's order.
    Array.prototype.some.call(form.querySelectorAll(".error"), function (box) {
      if (box.hidden) return false;
      first = controlOf(box.id.replace(/-error$/, ""));
      return !!first;
    });
    showSummary(data.message || "Cererea nu a putut fi trimisă.", errors);
    if (first) first.focus(); else summary.focus();
  }

  Array.prototype.forEach.call(form.querySelectorAll("input, textarea"), function (el) {
    el.addEventListener(el.type === "checkbox" ? "change" : "input", function () {
      clearError(el.name === "semnatura_text" ? sigName : el.name);
    });
  });

  // --- submission --------------------------------------------------------------------
  function values() {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || /^semnatura_/.test(el.name)) return;
      if (el.type === "submit" || el.type === "button") return;
      body[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    if (mode() === "nume" || !pad) {
      body.semnatura_text = typed ? typed.value : "";
    } else if (!pad.isEmpty()) {
      body.semnatura_png = pad.toDataURL("image/png");
    }
    return body;
  }

  function setBusy(on) {
    busy = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
    submit.setAttribute("aria-disabled", on ? "true" : "false");
    submit.textContent = on ? "Se pregătește documentul…" : submitLabel;
  }

  function delivered(blob, sha256) {
    if (lastUrl) URL.revokeObjectURL(lastUrl);
    lastUrl = URL.createObjectURL(blob);
    var link = document.getElementById("form-result-link");
    link.href = lastUrl;
    link.setAttribute("download", formId + ".pdf");
    document.getElementById("form-result-sha").textContent = sha256 || "";
    result.hidden = false;
    link.click();
    result.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    result.hidden = true;
    setBusy(true);
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/pdf, application/json" },
      body: JSON.stringify(values())
    }).then(function (resp) {
      if (resp.ok) {
        return resp.blob().then(function (blob) {
          delivered(blob, resp.headers.get("X-Document-SHA256"));
        });
      }
      return resp.json().then(showErrors, function () {
        showErrors({ message: "Cererea nu a putut fi trimisă (eroarea " + resp.status + "). Încercați din nou." });
      });
    }, function () {
      showErrors({ message: "Serverul primăriei nu poate fi contactat. Verificați conexiunea la internet și încercați din nou." });
    }).then(function () { setBusy(false); }, function () { setBusy(false); });
  });
})();
