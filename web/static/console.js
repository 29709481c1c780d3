/*
 * Clerk console of e-funcționar: presence, queue, conversations side by side.
 * State comes from /console/api/* and live frames from /console/ws. Citizen text is
 * always inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var me = null;
  var forms = [];
  var clerks = [];
  var queueItems = [];
  var panels = {}; // conversation id -> {root, log, seen, tab, unread, …}
  var selected = null; // the conversation shown
  var panelCount = 0;
  var ws = null;
  var retry = 0;
  var knownQueued = null;
  var audio = null;
  var collapsed = {}; // queue previews the clerk folded

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function toast(text) {
    var t = $("toast");
    t.textContent = text;
    t.hidden = false;
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () { t.hidden = true; }, 6000);
  }

  function api(method, path, body) {
    var options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/console/api" + path, options).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 401) { window.location.href = "/console/login"; }
        if (!resp.ok) { throw new Error(data.message || "Eroare " + resp.status); }
        return data;
      });
    });
  }

  function act(path, body) {
    return api("POST", path, body).catch(function (error) { toast(error.message); throw error; });
  }

  // What other scripts of the console share: the API calls and the toast.
  window.efConsole = { api: api, act: act, toast: toast, el: el };

  // -- sound and badge --------------------------------------------------------------------

  // No sound before the clerk has used the page (a click or a key): browsers refuse audio
  // started without a user gesture, and the console respects that; the title and the
  // tabs' counts show new messages anyway.
  var gestured = false;
  function allowSound() {
    if (gestured) return;
    gestured = true;
    try {
      audio = new (window.AudioContext || window.webkitAudioContext)();
      document.body.dataset.sound = "on";
    } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", allowSound, true);
  document.addEventListener("keydown", allowSound, true);

  function beep() {
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.5);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.5);
    } catch (e) { /* no audio device: the badge still shows */ }
  }

  var TITLE = "Consola Relații cu Publicul — e-funcționar";

  function unreadTotal() {
    return Object.keys(panels).reduce(function (sum, id) { return sum + panels[id].unread; }, 0);
  }

  // The waiting count, each tab's unread count, and both in the page's title.
  function updateBadge() {
    var n = queueItems.length;
    var unread = unreadTotal();
    $("waiting").textContent = "În așteptare: " + n;
    $("waiting").classList.toggle("waiting--some", n > 0);
    $("queue-count").textContent = n;
    $("queue-count").hidden = n === 0;
    $("unread-count").textContent = unread;
    $("unread-count").hidden = unread === 0;
    Object.keys(panels).forEach(function (id) {
      var panel = panels[id];
      panel.badge.textContent = panel.unread;
      panel.badge.hidden = panel.unread === 0;
      panel.tab.setAttribute("aria-label", panel.tabName +
        (panel.unread ? " — " + panel.unread + (panel.unread === 1 ? " mesaj necitit" : " mesaje necitite") : ""));
    });
    var parts = [];
    if (n) parts.push(n + " în așteptare");
    if (unread) parts.push(unread + (unread === 1 ? " necitit" : " necitite"));
    document.title = (parts.length ? "(" + parts.join(", ") + ") " : "") + TITLE;
  }

  // On a phone one part at a time: the queue or the conversation (the tab bar switches).
  function setView(view) {
    document.body.dataset.view = view;
    $("show-queue").setAttribute("aria-pressed", view === "queue" ? "true" : "false");
    $("show-mine").setAttribute("aria-pressed", view === "mine" ? "true" : "false");
  }

  // -- rendering ---------------------------------------------------------------------------

  function who(msg) {
    if (msg.sender === "citizen") return "Cetățean";
    if (msg.sender === "bot") return "Asistent";
    if (msg.sender === "clerk") return msg.name || "Funcționar";
    return "Sistem";
  }

  function time(ts) {
    var d = new Date(ts);
    return isNaN(d) ? "" : d.toLocaleTimeString("ro-RO", { hour: "2-digit", minute: "2-digit" });
  }

  // A link a person can read: "mailto:a@b.ro?subject=%C3%8E…" is shown as
  // "e-mail către a@b.ro, subiect: „Î…”"; other links as their decoded address.
  function readableUrl(url) {
    try {
      if (/^mailto:/i.test(url)) {
        var parts = url.slice(7).split("?");
        var text = "e-mail către " + decodeURIComponent(parts[0]);
        var subject = new URLSearchParams(parts[1] || "").get("subject");
        return subject ? text + ", subiect: „" + subject + "”" : text;
      }
      return decodeURI(url);
    } catch (e) { return url; }
  }

  var SAFE_URL = /^(https?:\/\/|mailto:|tel:|\/(?!\/))/i;

  // A button of a message: a link (with its address in words) or the payload's title.
  function renderButton(b) {
    var line = el("div", "msg-button");
    if (!b.url) { line.textContent = "[" + b.title + "]"; return line; }
    if (SAFE_URL.test(b.url)) {
      var link = el("a", "msg-link", b.title);
      link.href = b.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      line.appendChild(link);
    } else {
      line.appendChild(el("span", null, b.title));
    }
    line.appendChild(el("span", "msg-url", " — " + readableUrl(b.url)));
    return line;
  }

  function scrollToNewest(log) { log.scrollTop = log.scrollHeight; }

  // A redirect hint (infrastructure question while the clerk holds the conversation):
  // the suggested message, ready to send with one click.
  function renderHint(item, msg, convId) {
    item.classList.add("msg--hint");
    item.setAttribute("role", "note");
    var hint = msg.hint;
    var box = el("div", "hint-box");
    box.appendChild(el("div", "hint-label", "Mesaj pregătit pentru cetățean:"));
    box.appendChild(el("div", "hint-text", hint.text));
    (hint.buttons || []).forEach(function (b) { box.appendChild(renderButton(b)); });
    item.appendChild(box);
    if (!convId) return;
    var send = el("button", "hint-send", "Trimiteți");
    send.type = "button";
    send.setAttribute("aria-label", "Trimiteți cetățeanului redirecționarea către " + hint.department);
    send.addEventListener("click", function () {
      send.disabled = true;
      act("/conversations/" + encodeURIComponent(convId) + "/redirect", { hint_id: msg.id })
        .then(function () { send.textContent = "Trimis"; })
        .catch(function () { send.disabled = false; });
    });
    item.appendChild(send);
  }

  function renderMessage(log, msg, convId) {
    var item = el("div", "msg msg--" + msg.sender + (msg.note ? " msg--note" : ""));
    var head = el("div", "msg-head");
    var label = msg.hint ? "Sugestie pentru dvs." : who(msg);
    if (msg.note) label = "Notă internă · " + who(msg) + " (cetățeanul nu o vede)";
    head.appendChild(el("span", "msg-who", label));
    head.appendChild(el("span", "msg-time", time(msg.ts)));
    item.appendChild(head);
    if (msg.text) item.appendChild(el("div", "msg-text", msg.text));
    (msg.buttons || []).forEach(function (b) { item.appendChild(renderButton(b)); });
    if (msg.hint) renderHint(item, msg, convId);
    log.appendChild(item);
    scrollToNewest(log);
  }

  function flagText(flag) {
    return "Semnalată: " + flag.label + (flag.note ? " — " + flag.note : "");
  }

  function minutesSince(iso) {
    var d = new Date(iso);
    return isNaN(d) ? 0 : Math.max(0, Math.round((Date.now() - d.getTime()) / 60000));
  }

  // The queue is drawn anew on every change; a redraw between the press and the release of
  // a button would swallow its click (the pressed button is gone), so it waits for the release.
  var queuePressed = false;
  var queueRedrawLater = false;
  function queueReleased() {
    if (!queuePressed) return;
    queuePressed = false;
    // After the click that this release makes: it comes in the same task.
    if (queueRedrawLater) window.setTimeout(renderQueue, 0);
    queueRedrawLater = false;
  }
  $("queue").addEventListener("pointerdown", function () { queuePressed = true; });
  document.addEventListener("pointerup", queueReleased, true);
  document.addEventListener("pointercancel", queueReleased, true);

  function renderQueue() {
    if (queuePressed) {
      queueRedrawLater = true;
      return;
    }
    var list = $("queue");
    // The queue is drawn anew on every change: the clerk's focus (keyboard, Alt+N) stays
    // on the same citizen's button.
    var active = document.activeElement;
    var focusedItem = active && list.contains(active) ? active.closest(".queue-item") : null;
    var refocus = focusedItem ? { id: focusedItem.dataset.id, take: active.classList.contains("take") } : null;
    list.textContent = "";
    $("queue-empty").hidden = queueItems.length > 0;
    queueItems.forEach(function (item) {
      var li = el("li", "queue-item");
      li.dataset.id = item.id;
      var title = el("div", "qi-title");
      title.appendChild(el("strong", null, item.position + ". " + (item.topic || "Fără subiect detectat")));
      title.appendChild(el("span", "qi-wait", "așteaptă de " + minutesSince(item.queued_at) + " min"));
      li.appendChild(title);
      var meta = el("div", "qi-meta");
      if (item.form_title) meta.appendChild(el("span", "tag", "Formular: " + item.form_title));
      if (item.flag) meta.appendChild(el("span", "tag tag--flag", flagText(item.flag)));
      meta.appendChild(el("span", item.citizen_online ? "tag tag--on" : "tag tag--off",
        item.citizen_online ? "cetățean conectat" : "cetățean deconectat"));
      li.appendChild(meta);
      var details = el("details", "qi-transcript");
      details.open = !collapsed[item.id];
      details.addEventListener("toggle", function () { collapsed[item.id] = !details.open; });
      details.appendChild(el("summary", null, "Conversația până acum (" + item.transcript.length + " mesaje)"));
      var log = el("div", "log log--preview");
      item.transcript.forEach(function (m) { renderMessage(log, m); });
      details.appendChild(log);
      li.appendChild(details);
      var take = el("button", "take", "Preluați conversația");
      take.type = "button";
      take.addEventListener("click", function () {
        take.disabled = true;
        act("/conversations/" + encodeURIComponent(item.id) + "/takeover").then(function (data) {
          openPanel(data.conversation);
          // The "assigned" frame may have shown it already; the clerk may have moved on since.
          if (selected !== data.conversation.id) select(data.conversation.id, true);
        }).catch(function () { take.disabled = false; });
      });
      li.appendChild(take);
      list.appendChild(li);
      if (refocus && refocus.id === item.id) (refocus.take ? take : li.querySelector("summary")).focus();
    });
    updateBadge();
  }

  function option(value, text) {
    var o = el("option", null, text);
    o.value = value;
    return o;
  }

  function fillClerkSelect(select) {
    select.textContent = "";
    select.appendChild(option("", "Transferați către…"));
    clerks.forEach(function (c) {
      if (me && c.id === me.id) return;
      select.appendChild(option(c.username, c.display_name));
    });
  }

  // Canned replies: a saved reply of the department (web/saved_replies.py) or a section
  // of the chosen form's card goes into the reply box ("/" in an empty reply, or the
  // picker), where the clerk edits it before sending.
  var savedReplies = [];
  var pickers = [];

  function loadSavedReplies() {
    return api("GET", "/saved-replies").then(function (data) {
      savedReplies = data.replies || [];
      pickers.forEach(function (p) { p.refresh(); });
    }).catch(function (error) { toast(error.message); });
  }

  function cannedPicker(formSelect, input) {
    var picker = el("select", "canned");
    picker.setAttribute("aria-label", "Inserați un răspuns salvat sau din fișa formularului");
    var prompt = option("", "Inserați…");
    var savedGroup = el("optgroup");
    savedGroup.label = "Răspunsuri salvate";
    var cardGroup = el("optgroup");
    picker.appendChild(prompt); picker.appendChild(savedGroup); picker.appendChild(cardGroup);
    function refresh() {
      savedGroup.textContent = "";
      savedReplies.forEach(function (r) {
        var o = option("saved:" + r.id, r.title);
        o.dataset.text = r.text;
        savedGroup.appendChild(o);
      });
      savedGroup.hidden = savedReplies.length === 0;
    }
    function cardNote(note) {
      cardGroup.textContent = "";
      cardGroup.label = "Fișa formularului";
      var o = option("", note);
      o.disabled = true;
      cardGroup.appendChild(o);
    }
    function load() {
      if (!formSelect.value) { cardNote("Alegeți un formular pentru secțiunile fișei"); return; }
      cardNote("Se încarcă fișa…");
      var formId = formSelect.value;
      api("GET", "/forms/" + encodeURIComponent(formId) + "/card").then(function (card) {
        if (formSelect.value !== formId) return; // another form was chosen meanwhile
        cardGroup.textContent = "";
        cardGroup.label = "Fișa: " + card.title;
        card.sections.forEach(function (section) {
          var o = option(section.key, section.label + " — " + card.title);
          o.dataset.text = section.text;
          cardGroup.appendChild(o);
        });
      }).catch(function (error) { cardNote("Fișa nu s-a putut încărca"); toast(error.message); });
    }
    formSelect.addEventListener("change", load);
    picker.addEventListener("change", function () {
      var chosen = picker.options[picker.selectedIndex];
      if (!chosen || !chosen.dataset.text) return;
      var text = input.value.replace(/^\/\s*$/, "");
      input.value = (text ? text.replace(/\s*$/, "") + "\n" : "") + chosen.dataset.text;
      picker.value = "";
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    });
    input.addEventListener("input", function () {
      if (input.value !== "/") return;
      if (!formSelect.value && !savedReplies.length) {
        toast("Alegeți întâi un formular, apoi secțiunea fișei.");
        formSelect.focus();
        return;
      }
      picker.focus();
    });
    refresh();
    load();
    pickers.push({ picker: picker, refresh: refresh });
    return picker;
  }

  function dateTime(ts) {
    var d = new Date(ts);
    return isNaN(d) ? "" : d.toLocaleString("ro-RO", { day: "2-digit", month: "2-digit", year: "numeric",
                                                       hour: "2-digit", minute: "2-digit" });
  }

  // The citizen's earlier conversations (same browser, or a filing whose code they proved):
  // a list under the panel's head; a click shows one, read-only.
  function earlierSection(convId) {
    var box = el("details", "earlier");
    var summary = el("summary", null, "Conversațiile anterioare ale cetățeanului (se încarcă…)");
    box.appendChild(summary);
    var list = el("ul", "earlier-list");
    var view = el("div", "earlier-view");
    view.hidden = true;
    box.appendChild(list); box.appendChild(view);
    var base = "/conversations/" + encodeURIComponent(convId) + "/earlier";
    function show(item) {
      api("GET", base + "/" + encodeURIComponent(item.id)).then(function (data) {
        view.textContent = "";
        var head = el("div", "earlier-head");
        head.appendChild(el("strong", null, "Conversația din " + dateTime(data.started_at) + " (doar citire)"));
        var close = el("button", null, "Închideți");
        close.type = "button";
        close.addEventListener("click", function () { view.hidden = true; view.textContent = ""; });
        head.appendChild(close);
        view.appendChild(head);
        var log = el("div", "log log--earlier");
        log.setAttribute("aria-label", "Conversația anterioară, doar citire");
        data.transcript.forEach(function (m) { renderMessage(log, m); });
        view.appendChild(log);
        view.hidden = false;
        scrollToNewest(log);
      }).catch(function (error) { toast(error.message); });
    }
    // Loaded with the panel, and again on each opening: a filing the citizen proves
    // meanwhile ties more conversations.
    function load() {
      api("GET", base).then(listed).catch(function (error) {
        summary.textContent = "Conversațiile anterioare ale cetățeanului (indisponibile)";
        toast(error.message);
      });
    }
    box.addEventListener("toggle", function () { if (box.open) load(); });
    function listed(data) {
      var found = data.earlier || [];
      list.textContent = "";
      summary.textContent = "Conversațiile anterioare ale cetățeanului (" + found.length + ")";
      if (!found.length) {
        list.appendChild(el("li", "empty", "Nu am găsit alte conversații ale cetățeanului din același browser sau pentru aceeași cerere."));
        return;
      }
      found.forEach(function (item) {
        var li = el("li");
        var open = el("button", "earlier-open");
        open.type = "button";
        open.appendChild(el("span", "earlier-date", dateTime(item.started_at)));
        open.appendChild(el("span", "earlier-first", item.first_message ? "„" + item.first_message + "”" : "(fără mesaj al cetățeanului)"));
        open.appendChild(el("span", "earlier-via", item.via.join(", ")));
        open.addEventListener("click", function () { show(item); });
        li.appendChild(open);
        list.appendChild(li);
      });
    }
    load();
    return box;
  }

  // A conversation already open is brought up to date, never rebuilt: the takeover's answer
  // and its "assigned" frame both open it, a reconnect's snapshot reopens every one, and a
  // rebuild would lose the clerk's draft, the note switch and the focus.
  function refreshPanel(panel, conv) {
    (conv.transcript || []).forEach(function (m) {
      if (panel.seen[m.id]) return;
      panel.seen[m.id] = true;
      renderMessage(panel.log, m, conv.id);
    });
    setOnline(panel, conv.citizen_online);
  }

  function setOnline(panel, online) {
    panel.online.className = online ? "tag tag--on" : "tag tag--off";
    panel.online.textContent = online ? "cetățean conectat" : "cetățean deconectat";
  }

  function openPanel(conv) {
    var existing = panels[conv.id];
    if (existing) { refreshPanel(existing, conv); return; }
    var root = el("article", "panel");
    root.dataset.id = conv.id;
    root.setAttribute("aria-label", "Conversație: " + (conv.topic || conv.id));
    var head = el("header", "panel-head");
    head.appendChild(el("strong", null, conv.topic || "Conversație"));
    var online = el("span", conv.citizen_online ? "tag tag--on" : "tag tag--off",
      conv.citizen_online ? "cetățean conectat" : "cetățean deconectat");
    head.appendChild(online);
    if (conv.flag) head.appendChild(el("span", "tag tag--flag", flagText(conv.flag)));
    var typing = el("span", "typing", "Cetățeanul scrie…");
    typing.setAttribute("aria-live", "polite");
    typing.hidden = true;
    head.appendChild(typing);
    root.appendChild(head);

    root.appendChild(earlierSection(conv.id));

    var log = el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.tabIndex = 0;
    var seen = {};
    (conv.transcript || []).forEach(function (m) { seen[m.id] = true; renderMessage(log, m, conv.id); });
    root.appendChild(log);

    var tools = el("div", "tools");
    var formSelect = el("select", "form-select");
    formSelect.setAttribute("aria-label", "Alegeți un formular");
    formSelect.appendChild(option("", "Formular…"));
    forms.forEach(function (f) { formSelect.appendChild(option(f.id, f.title)); });
    if (conv.form_id) formSelect.value = conv.form_id;
    var cardBtn = el("button", null, "Trimiteți fișa");
    var pdfBtn = el("button", null, "Trimiteți PDF-ul");
    [cardBtn, pdfBtn].forEach(function (b) { b.type = "button"; });
    cardBtn.addEventListener("click", function () {
      if (!formSelect.value) { toast("Alegeți întâi un formular."); return; }
      act("/conversations/" + encodeURIComponent(conv.id) + "/card", { form_id: formSelect.value });
    });
    pdfBtn.addEventListener("click", function () {
      if (!formSelect.value) { toast("Alegeți întâi un formular."); return; }
      act("/conversations/" + encodeURIComponent(conv.id) + "/pdf", { form_id: formSelect.value });
    });
    tools.appendChild(formSelect); tools.appendChild(cardBtn); tools.appendChild(pdfBtn);

    var clerkSelect = el("select", "clerk-select");
    clerkSelect.setAttribute("aria-label", "Transferați către alt funcționar");
    fillClerkSelect(clerkSelect);
    var transferBtn = el("button", null, "Transferați");
    transferBtn.type = "button";
    transferBtn.addEventListener("click", function () {
      if (!clerkSelect.value) { toast("Alegeți funcționarul."); return; }
      act("/conversations/" + encodeURIComponent(conv.id) + "/transfer", { to: clerkSelect.value });
    });
    var releaseBtn = el("button", null, "Predați asistentului");
    releaseBtn.type = "button";
    releaseBtn.addEventListener("click", function () {
      act("/conversations/" + encodeURIComponent(conv.id) + "/release");
    });
    var closeBtn = el("button", "danger", "Închideți…");
    closeBtn.type = "button";
    closeBtn.setAttribute("aria-expanded", "false");
    tools.appendChild(clerkSelect); tools.appendChild(transferBtn);
    tools.appendChild(releaseBtn); tools.appendChild(closeBtn);
    root.appendChild(tools);

    // Close, optionally flagging the conversation for audit with a reason.
    var closeBox = el("div", "close-box");
    closeBox.hidden = true;
    var reason = el("select", "close-reason");
    reason.setAttribute("aria-label", "Semnalați conversația");
    reason.appendChild(option("", "Fără semnalare"));
    reason.appendChild(option("limbaj_jignitor", "Semnalați: limbaj jignitor"));
    reason.appendChild(option("spam", "Semnalați: spam"));
    reason.appendChild(option("altul", "Semnalați: alt motiv"));
    var note = el("input", "close-note");
    note.type = "text";
    note.maxLength = 500;
    note.placeholder = "Motivul (obligatoriu pentru „alt motiv”)";
    note.setAttribute("aria-label", "Nota semnalării");
    var confirmBtn = el("button", "danger", "Închideți conversația");
    confirmBtn.type = "button";
    var cancelBtn = el("button", null, "Renunțați");
    cancelBtn.type = "button";
    closeBox.appendChild(reason); closeBox.appendChild(note);
    closeBox.appendChild(confirmBtn); closeBox.appendChild(cancelBtn);
    root.appendChild(closeBox);
    closeBtn.addEventListener("click", function () {
      closeBox.hidden = !closeBox.hidden;
      closeBtn.setAttribute("aria-expanded", closeBox.hidden ? "false" : "true");
      if (!closeBox.hidden) reason.focus();
    });
    cancelBtn.addEventListener("click", function () {
      closeBox.hidden = true;
      closeBtn.setAttribute("aria-expanded", "false");
      closeBtn.focus();
    });
    confirmBtn.addEventListener("click", function () {
      if (reason.value === "altul" && !note.value.trim()) {
        toast("Scrieți pe scurt motivul semnalării.");
        note.focus();
        return;
      }
      var body = reason.value ? { flag: reason.value, note: note.value.trim() || null } : {};
      act("/conversations/" + encodeURIComponent(conv.id) + "/close", body);
    });

    var form = el("form", "reply");
    var label = el("label", "sr", "Răspuns către cetățean");
    var inputId = "reply-" + conv.id;
    label.htmlFor = inputId;
    var input = el("textarea");
    input.id = inputId;
    input.rows = 2;
    input.maxLength = 2000;
    var replyPlaceholder = "Scrieți răspunsul… („/” inserează un răspuns salvat sau din fișă; Enter trimite, Shift+Enter rând nou)";
    input.placeholder = replyPlaceholder;
    var send = el("button", "send", "Trimiteți");
    send.type = "submit";
    // An internal note: kept with the conversation for clerks and auditors, never sent.
    var noteLabel = el("label", "note-toggle");
    var noteBox = el("input");
    noteBox.type = "checkbox";
    noteLabel.appendChild(noteBox);
    noteLabel.appendChild(document.createTextNode(" Notă internă"));
    noteBox.addEventListener("change", function () {
      form.classList.toggle("reply--note", noteBox.checked);
      send.textContent = noteBox.checked ? "Salvați nota" : "Trimiteți";
      input.placeholder = noteBox.checked
        ? "Notă pentru colegi și auditori; cetățeanul nu o vede."
        : replyPlaceholder;
      input.focus();
    });
    form.appendChild(label); form.appendChild(input); form.appendChild(noteLabel); form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      var path = noteBox.checked ? "/note" : "/message";
      act("/conversations/" + encodeURIComponent(conv.id) + path, { text: text })
        .then(function () { input.value = ""; input.focus(); });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    tools.insertBefore(cannedPicker(formSelect, input), cardBtn);
    root.appendChild(form);

    $("mine").appendChild(root);
    var number = ++panelCount;
    var tabName = number + ". " + (conv.topic || "Conversație");
    var tab = el("button", "tab");
    tab.type = "button";
    tab.id = "tab-" + conv.id;
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", "panel-" + conv.id);
    tab.appendChild(el("span", "tab-name", tabName));
    var badge = el("span", "tab-unread", "0");
    badge.hidden = true;
    badge.setAttribute("aria-hidden", "true");
    tab.appendChild(badge);
    tab.addEventListener("click", function () { select(conv.id, true); });
    $("tabs").appendChild(tab);
    root.id = "panel-" + conv.id;
    root.setAttribute("role", "tabpanel");
    root.setAttribute("aria-labelledby", tab.id);
    root.hidden = true;
    // The citizen sees that the clerk is typing a reply (at most every 3 s; not for notes).
    var typingSent = 0;
    input.addEventListener("input", function () {
      var now = Date.now();
      if (noteBox.checked || !input.value.trim() || now - typingSent < 3000) return;
      if (ws && ws.readyState === 1) {
        typingSent = now;
        ws.send(JSON.stringify({ type: "typing", conversation_id: conv.id }));
      }
    });
    panels[conv.id] = { root: root, log: log, seen: seen, online: online, clerkSelect: clerkSelect,
                        typing: typing, tab: tab, badge: badge, tabName: tabName, unread: 0,
                        input: input, formSelect: formSelect, cardBtn: cardBtn, releaseBtn: releaseBtn };
    $("mine-empty").hidden = true;
    // Other parts of the console (console-filling.js) add their section to the panel.
    document.dispatchEvent(new CustomEvent("console:panel", {
      detail: { id: conv.id, root: root, before: form, formSelect: formSelect }
    }));
    // The first conversation is shown at once; others wait in their tab (a transfer does
    // not take the clerk away from the citizen they are answering).
    if (!selected) select(conv.id, true);
    else updateBadge();
  }

  // Show conversation ``id`` (its tab selected, its unread count cleared). ``focus``: the
  // clerk chose it, so the reply box gets the focus.
  function select(id, focus) {
    var panel = panels[id];
    if (!panel) return;
    selected = id;
    Object.keys(panels).forEach(function (other) {
      var p = panels[other];
      p.root.hidden = other !== id;
      p.tab.setAttribute("aria-selected", other === id ? "true" : "false");
      p.tab.tabIndex = other === id ? 0 : -1;
    });
    panel.unread = 0;
    updateBadge();
    setView("mine");
    // The log has a height only now that it is shown: show the newest message, and bring
    // the panel on the screen.
    scrollToNewest(panel.log);
    if (focus) panel.input.focus({ preventScroll: true });
    panel.root.scrollIntoView({ block: "end" });
  }

  function closePanel(id, note) {
    var panel = panels[id];
    if (!panel) return;
    panel.root.remove();
    panel.tab.remove();
    delete panels[id];
    if (selected === id) {
      selected = null;
      var left = Object.keys(panels);
      if (left.length) select(left[0], false);
      else setView("queue");
    }
    updateBadge();
    pickers = pickers.filter(function (p) { return document.contains(p.picker); });
    $("mine-empty").hidden = Object.keys(panels).length > 0;
    if (note) toast(note);
  }

  function setPresence(clerk) {
    me = clerk;
    $("me").textContent = clerk.display_name;
    var active = clerk.presence === "activ";
    var btn = $("presence");
    btn.setAttribute("aria-checked", active ? "true" : "false");
    btn.textContent = active ? "Activ" : "Indisponibil";
    btn.classList.toggle("presence--on", active);
  }

  function applySnapshot(snap) {
    setPresence(snap.me);
    clerks = snap.clerks || [];
    queueItems = snap.queue || [];
    knownQueued = {};
    queueItems.forEach(function (q) { knownQueued[q.id] = true; });
    renderQueue();
    loadSavedReplies();
    var mine = {};
    (snap.mine || []).forEach(function (conv) { mine[conv.id] = true; });
    Object.keys(panels).forEach(function (id) { if (!mine[id]) closePanel(id); });
    (snap.mine || []).forEach(openPanel);
  }

  function handle(frame) {
    switch (frame.type) {
      case "snapshot": applySnapshot(frame); break;
      case "queue":
        var fresh = false;
        var now = {};
        (frame.items || []).forEach(function (q) {
          now[q.id] = true;
          if (knownQueued && !knownQueued[q.id]) fresh = true;
        });
        knownQueued = now;
        queueItems = frame.items || [];
        renderQueue();
        if (fresh && me && me.presence === "activ") beep();
        break;
      case "alert": break; // the queue frame that follows carries it
      case "clerks":
        clerks = frame.clerks || [];
        Object.keys(panels).forEach(function (id) { fillClerkSelect(panels[id].clerkSelect); });
        break;
      case "assigned":
        openPanel(frame.conversation);
        if (frame.from) { toast(frame.from + " v-a transferat o conversație."); beep(); }
        break;
      case "unassigned":
        var why = { transferred: "Conversația a fost transferată către " + (frame.to || "alt funcționar") + ".",
                    released: "Conversația a fost predată asistentului.",
                    closed: "Conversația a fost închisă." }[frame.reason];
        if (frame.flag) {
          why = "Conversația a fost închisă și semnalată pentru verificare: " + frame.flag.label +
            (frame.flag.note ? " — " + frame.flag.note : "") + ".";
        }
        closePanel(frame.conversation_id, why);
        break;
      case "typing":
        var typingPanel = panels[frame.conversation_id];
        if (typingPanel) {
          typingPanel.typing.hidden = false;
          window.clearTimeout(typingPanel.typingTimer);
          typingPanel.typingTimer = window.setTimeout(function () { typingPanel.typing.hidden = true; }, 6000);
        }
        break;
      case "message":
        var panel = panels[frame.conversation_id];
        if (panel && frame.message.sender === "citizen") panel.typing.hidden = true;
        if (panel && !panel.seen[frame.message.id]) {
          panel.seen[frame.message.id] = true;
          renderMessage(panel.log, frame.message, frame.conversation_id);
          if (frame.message.sender === "citizen" && (frame.conversation_id !== selected || document.hidden)) {
            panel.unread += 1;
            updateBadge();
            beep();
          }
        }
        break;
      case "citizen":
        var p = panels[frame.conversation_id];
        if (p) setOnline(p, frame.online);
        break;
      case "error":
        if (frame.code === "login_required") window.location.href = "/console/login";
        else toast(frame.message);
        break;
      default: break;
    }
  }

  function connect() {
    var url = window.location.origin.replace(/^http/, "ws") + "/console/ws";
    $("conn").textContent = retry ? "Reconectare…" : "Se conectează…";
    $("conn").className = "conn conn--off";
    ws = new WebSocket(url);
    ws.onopen = function () {
      retry = 0;
      $("conn").textContent = "Conectat";
      $("conn").className = "conn conn--on";
    };
    ws.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    ws.onclose = function (event) {
      $("conn").textContent = "Deconectat — se reconectează…";
      $("conn").className = "conn conn--off";
      if (event.code === 4401) { window.location.href = "/console/login"; return; }
      retry += 1;
      window.setTimeout(connect, Math.min(10000, 500 * Math.pow(2, retry)));
    };
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && selected && panels[selected]) { panels[selected].unread = 0; updateBadge(); }
  });
  $("show-queue").addEventListener("click", function () { setView("queue"); });
  // "Conversațiile mele" shows the conversation with unread messages first, if one has.
  $("show-mine").addEventListener("click", function () {
    var unread = Object.keys(panels).filter(function (id) { return panels[id].unread > 0; });
    if (unread.length) select(unread[0], false);
    else if (selected) select(selected, false);
    else setView("mine");
  });

  // Keyboard shortcuts (the help line under the page). Alt+letter, by the key's place
  // (event.code), so that they work on a Romanian keyboard too.
  var waitingFocus = -1;
  function focusNextWaiting() {
    var takes = document.querySelectorAll("#queue .take:not(:disabled)");
    if (!takes.length) { toast("Niciun cetățean nu așteaptă."); return; }
    setView("queue");
    waitingFocus = (waitingFocus + 1) % takes.length;
    takes[waitingFocus].focus();
    takes[waitingFocus].closest(".queue-item").scrollIntoView({ block: "nearest" });
  }
  function takeOver() {
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".queue-item") : null;
    var take = (focused || document).querySelector(".take:not(:disabled)");
    if (!take) { toast("Niciun cetățean nu așteaptă."); return; }
    take.click();
  }
  function nextConversation() {
    var ids = Object.keys(panels);
    if (!ids.length) { toast("Nu aveți conversații deschise."); return; }
    var at = ids.indexOf(selected);
    var order = ids.slice(at + 1).concat(ids.slice(0, at + 1));
    var unread = order.filter(function (id) { return panels[id].unread > 0; });
    select(unread.length ? unread[0] : order[0], true);
  }
  function inSelected(what) {
    var panel = selected && panels[selected];
    if (!panel) { toast("Nu aveți conversații deschise."); return; }
    panel[what].click();
  }
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var action = { KeyN: focusNextWaiting, KeyP: takeOver, KeyU: nextConversation,
                   KeyR: function () { inSelected("releaseBtn"); },
                   KeyK: function () { inSelected("cardBtn"); } }[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });

  $("presence").addEventListener("click", function () {
    var next = me && me.presence === "activ" ? "indisponibil" : "activ";
    act("/presence", { presence: next }).then(function (data) { setPresence(data.me); });
  });

  window.setInterval(function () {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "ping" }));
  }, 20000);
  window.setInterval(renderQueue, 60000); // waiting minutes

  setView("queue");
  api("GET", "/forms").then(function (data) { forms = data.forms || []; }).finally(connect);
})();
