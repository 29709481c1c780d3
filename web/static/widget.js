/*
 * e-funcționar — chat widget of Primăria Orașului Măgurele.
 *
 * Embed with one tag (plain JavaScript, no build step):
 *   <script src="https://SERVER/webhooks/website/static/widget.js" defer></script>
 * Optional attributes: data-open="true" (open on load), data-rating-idle-seconds="N"
 * (ask for a rating N seconds after the bot's last answer instead of the server's value).
 *
 * Talks JSON over the websocket /webhooks/website/ws of the same server (see
 * livechat/README.md). The conversation id is kept in localStorage, so a reload or a lost
 * connection resumes the same conversation and the server sends its history back.
 * Every text coming from the server is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";
  if (window.__efunctionarWidget) return;
  window.__efunctionarWidget = true;

  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : window.location.href);
  var origin = base.origin;
  var wsUrl = origin.replace(/^http/, "ws") + "/webhooks/website/ws";
  var STORAGE_KEY = "efunctionar.conversation";
  var OPEN_KEY = "efunctionar.open";
  var MAX_CHARS = 2000;

  var state = {
    ws: null,
    conversationId: readStorage(localStorage, STORAGE_KEY),
    connected: false,
    ready: false,
    retry: 0,
    seen: {},
    pending: [], // {clientId, text, payload, el}
    convState: "bot",
    unread: 0,
    everOpened: false,
    noteAfterWelcome: null,
    rating: { done: true, idleSeconds: 120 },
    ratingTimer: null,
  };
  var RATED_KEY = "efunctionar.rated.";

  function readStorage(store, key) {
    try { return store.getItem(key); } catch (e) { return null; }
  }
  function writeStorage(store, key, value) {
    try {
      if (value === null) store.removeItem(key); else store.setItem(key, value);
    } catch (e) { /* private mode: the conversation lasts as long as the page */ }
  }

  // This browser's id: kept in the browser's storage, sent in "hello", so that a clerk
  // sees the citizen's earlier conversations (livechat/earlier.py). Random, not derived
  // from anything about the citizen; "Conversație nouă" keeps it.
  var BROWSER_KEY = "efunctionar.browser";
  function browserId() {
    var id = readStorage(localStorage, BROWSER_KEY);
    if (id && /^[0-9a-f]{64}$/.test(id)) return id;
    if (!window.crypto || !window.crypto.getRandomValues) return null;
    var bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    writeStorage(localStorage, BROWSER_KEY, id);
    return readStorage(localStorage, BROWSER_KEY) === id ? id : null; // private mode: no tie
  }

  // -- DOM ------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // A speech bubble drawn in SVG: emoji fonts are missing on many systems.
  function bubbleIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "efw-launcher-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute(
      "d",
      "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"
    );
    svg.appendChild(path);
    return svg;
  }

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = origin + "/webhooks/website/static/widget.css";
  document.head.appendChild(css);

  var root = el("div", "efw");
  root.setAttribute("lang", "ro");
  var launcher = el("button", "efw-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "efw-panel");
  launcher.setAttribute("aria-label", "Deschideți chatul cu Primăria Orașului Măgurele");
  launcher.appendChild(bubbleIcon());
  launcher.appendChild(el("span", "efw-launcher-text", "Întrebați primăria"));
  var badge = el("span", "efw-badge");
  badge.hidden = true;
  badge.setAttribute("aria-label", "mesaje noi");
  launcher.appendChild(badge);

  var panel = el("section", "efw-panel");
  panel.id = "efw-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Chat cu Primăria Orașului Măgurele");

  var header = el("header", "efw-header");
  var titles = el("div", "efw-titles");
  titles.appendChild(el("strong", "efw-title", "e-funcționar"));
  var who = el("span", "efw-who", "Asistentul virtual al primăriei");
  titles.appendChild(who);
  header.appendChild(titles);
  var conn = el("span", "efw-conn efw-conn--off", "Se conectează…");
  conn.setAttribute("role", "status");
  conn.setAttribute("aria-live", "polite");
  header.appendChild(conn);
  var closeBtn = el("button", "efw-close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "Închideți chatul");
  header.appendChild(closeBtn);
  panel.appendChild(header);

  var notice = el(
    "p",
    "efw-notice",
    "Conversația este înregistrată și păstrată în arhiva Primăriei Orașului Măgurele."
  );
  panel.appendChild(notice);

  var log = el("div", "efw-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Mesajele conversației");
  log.tabIndex = 0;
  panel.appendChild(log);

  var queueBar = el("div", "efw-queue");
  queueBar.setAttribute("role", "status");
  queueBar.setAttribute("aria-live", "polite");
  queueBar.hidden = true;
  var queueText = el("span", "efw-queue-text");
  queueBar.appendChild(queueText);
  var leaveBtn = el("button", "efw-leave", "Ieși din coadă");
  leaveBtn.type = "button";
  queueBar.appendChild(leaveBtn);
  panel.appendChild(queueBar);

  // The satisfaction question (livechat/ratings.py says when it is asked).
  var rateBox = el("form", "efw-rate");
  rateBox.hidden = true;
  rateBox.setAttribute("aria-label", "Evaluați conversația");
  var rateLegend = el("p", "efw-rate-q", "Cât de mulțumit sunteți de ajutorul primit în această conversație?");
  rateLegend.id = "efw-rate-q";
  rateBox.appendChild(rateLegend);
  var rateScale = el("div", "efw-rate-scale");
  rateScale.setAttribute("role", "radiogroup");
  rateScale.setAttribute("aria-labelledby", "efw-rate-q");
  var RATE_LABELS = ["deloc mulțumit", "puțin mulțumit", "mulțumit", "foarte mulțumit", "pe deplin mulțumit"];
  var rateChoice = 0;
  var rateButtons = [];
  RATE_LABELS.forEach(function (text, i) {
    var b = el("button", "efw-rate-n", String(i + 1));
    b.type = "button";
    b.setAttribute("role", "radio");
    b.setAttribute("aria-checked", "false");
    b.setAttribute("aria-label", (i + 1) + " din 5 – " + text);
    b.title = (i + 1) + " – " + text;
    b.addEventListener("click", function () {
      rateChoice = i + 1;
      rateButtons.forEach(function (other, j) { other.setAttribute("aria-checked", j === i ? "true" : "false"); });
      rateSend.disabled = false;
    });
    rateButtons.push(b);
    rateScale.appendChild(b);
  });
  rateBox.appendChild(rateScale);
  var rateHint = el("p", "efw-rate-hint", "1 = deloc mulțumit, 5 = pe deplin mulțumit");
  rateBox.appendChild(rateHint);
  var rateLabel = el("label", "efw-sr", "Comentariu (opțional)");
  rateLabel.htmlFor = "efw-rate-comment";
  rateBox.appendChild(rateLabel);
  var rateComment = el("textarea", "efw-rate-comment");
  rateComment.id = "efw-rate-comment";
  rateComment.rows = 2;
  rateComment.maxLength = 500;
  rateComment.placeholder = "Comentariu (opțional)";
  rateBox.appendChild(rateComment);
  var rateError = el("p", "efw-rate-error");
  rateError.setAttribute("role", "alert");
  rateError.hidden = true;
  rateBox.appendChild(rateError);
  var rateRow = el("div", "efw-rate-row");
  var rateSend = el("button", "efw-rate-send", "Trimiteți evaluarea");
  rateSend.type = "submit";
  rateSend.disabled = true;
  rateRow.appendChild(rateSend);
  var rateSkip = el("button", "efw-rate-skip", "Nu acum");
  rateSkip.type = "button";
  rateRow.appendChild(rateSkip);
  rateBox.appendChild(rateRow);
  panel.appendChild(rateBox);

  var actions = el("div", "efw-actions");
  var humanBtn = el("button", "efw-human", "Vorbiți cu un funcționar");
  humanBtn.type = "button";
  actions.appendChild(humanBtn);
  var newBtn = el("button", "efw-new", "Conversație nouă");
  newBtn.type = "button";
  newBtn.hidden = true;
  actions.appendChild(newBtn);
  panel.appendChild(actions);

  // "… scrie…" while the clerk types (typing frames), gone a few seconds after the last.
  var typing = el("div", "efw-typing");
  typing.setAttribute("aria-live", "polite");
  typing.hidden = true;
  panel.appendChild(typing);

  var form = el("form", "efw-form");
  form.setAttribute("aria-label", "Trimiteți un mesaj");
  var label = el("label", "efw-sr", "Mesajul dumneavoastră");
  label.htmlFor = "efw-input";
  form.appendChild(label);
  var input = el("textarea", "efw-input");
  input.id = "efw-input";
  input.rows = 2;
  input.maxLength = MAX_CHARS;
  input.placeholder = "Scrieți întrebarea… (Enter trimite)";
  input.setAttribute("aria-describedby", "efw-count");
  form.appendChild(input);
  var count = el("span", "efw-count", "0/" + MAX_CHARS);
  count.id = "efw-count";
  count.setAttribute("aria-live", "off");
  form.appendChild(count);
  var sendBtn = el("button", "efw-send", "Trimiteți");
  sendBtn.type = "submit";
  sendBtn.setAttribute("aria-label", "Trimiteți mesajul");
  form.appendChild(sendBtn);
  panel.appendChild(form);

  root.appendChild(panel);
  root.appendChild(launcher);

  function mount() { document.body.appendChild(root); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // -- rendering ------------------------------------------------------------------------

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    if (/^(https?:|mailto:|tel:)/i.test(url)) return url;
    if (/^\/(?!\/)/.test(url)) return origin + url; // a path on the chat server (PDFs)
    return null;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function authorFor(msg) {
    if (msg.sender === "clerk") return (msg.name || "Funcționar") + " · Relații cu Publicul";
    if (msg.sender === "bot") return msg.name || "Asistentul virtual";
    if (msg.sender === "system") return null;
    return "Dumneavoastră";
  }

  function renderButtons(container, buttons) {
    if (!buttons || !buttons.length) return;
    var list = el("div", "efw-buttons");
    buttons.forEach(function (b) {
      if (!b || !b.title) return;
      var url = b.url ? safeUrl(b.url) : null;
      if (b.url) {
        if (!url) return;
        var a = el("a", "efw-btn efw-btn--link", b.title);
        a.href = url;
        if (!/^mailto:|^tel:/i.test(url)) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
        if (/\.pdf($|\?)/i.test(url)) a.setAttribute("download", "");
        list.appendChild(a);
      } else if (b.payload) {
        var btn = el("button", "efw-btn", b.title);
        btn.type = "button";
        btn.addEventListener("click", function () { send(b.title, b.payload); });
        list.appendChild(btn);
      }
    });
    container.appendChild(list);
  }

  function renderMessage(msg) {
    if (msg.sender === "clerk") typing.hidden = true;
    if (msg.id && state.seen[msg.id]) return null;
    if (msg.id) state.seen[msg.id] = true;
    var item = el("div", "efw-msg efw-msg--" + (msg.sender || "system"));
    var author = authorFor(msg);
    if (author) item.appendChild(el("div", "efw-author", author));
    if (msg.text) item.appendChild(el("div", "efw-text", msg.text));
    if (msg.attachment && safeUrl(msg.attachment)) {
      renderButtons(item, [{ title: "Deschideți atașamentul", url: msg.attachment }]);
    }
    if (msg.image && safeUrl(msg.image)) {
      var img = el("img", "efw-image");
      img.src = safeUrl(msg.image);
      img.alt = "Imagine trimisă în conversație";
      item.appendChild(img);
    }
    renderButtons(item, msg.buttons);
    if (!msg.text && !item.querySelector(".efw-buttons, .efw-image")) return null;
    log.appendChild(item);
    scrollDown();
    if ((panel.hidden || document.hidden) && msg.sender !== "citizen") {
      state.unread += 1;
      badge.textContent = String(state.unread);
      badge.hidden = false;
    }
    return item;
  }

  function renderPending(p) {
    var item = el("div", "efw-msg efw-msg--citizen efw-msg--pending");
    item.appendChild(el("div", "efw-author", "Dumneavoastră"));
    item.appendChild(el("div", "efw-text", p.text));
    var status = el("div", "efw-status", "Se trimite…");
    item.appendChild(status);
    log.appendChild(item);
    scrollDown();
    p.el = item;
  }

  function markFailed(p, message) {
    if (!p.el) renderPending(p);
    p.el.classList.remove("efw-msg--pending");
    p.el.classList.add("efw-msg--failed");
    var status = p.el.querySelector(".efw-status");
    status.textContent = "Netrimis: " + message + " ";
    var retry = el("button", "efw-retry", "Reîncercați");
    retry.type = "button";
    retry.addEventListener("click", function () {
      p.el.remove();
      p.el = null;
      send(p.text, p.payload);
    });
    status.appendChild(retry);
  }

  // Too many messages in a minute: the server did not take this one. Keep it and send
  // it again by itself once the server says the rate has dropped.
  function markWaiting(p, message, seconds) {
    if (!p.el) renderPending(p);
    var status = p.el.querySelector(".efw-status");
    if (status) status.textContent = message + " Se retrimite automat.";
    window.setTimeout(function () {
      if (p.el) { var s = p.el.querySelector(".efw-status"); if (s) s.textContent = "Se trimite…"; }
      transmit(p);
    }, Math.max(1, seconds) * 1000);
  }

  function systemNote(text) {
    renderMessage({ sender: "system", text: text });
  }

  function setConn(text, ok) {
    conn.textContent = text;
    conn.className = "efw-conn " + (ok ? "efw-conn--on" : "efw-conn--off");
  }

  function ordinalPlace(n) { return n === 1 ? "primul" : "al " + n + "-lea"; }

  function showQueue(info) {
    if (!info) { queueBar.hidden = true; return; }
    queueText.textContent =
      "Sunteți " + ordinalPlace(info.position) + " la rând. Timp estimat de așteptare: " +
      "aproximativ " + info.estimate_minutes + (info.estimate_minutes === 1 ? " minut." : " minute.");
    queueBar.hidden = false;
  }

  function applyState(frame) {
    state.convState = frame.state;
    humanBtn.hidden = frame.state !== "bot";
    newBtn.hidden = frame.state !== "closed";
    if (frame.state === "clerk") {
      who.textContent = "Vorbiți cu " + (frame.clerk || "un funcționar") + " (Relații cu Publicul)";
    } else if (frame.state === "queued") {
      who.textContent = "În așteptarea unui funcționar";
    } else if (frame.state === "closed") {
      who.textContent = "Conversație încheiată";
    } else if (frame.pause) {
      who.textContent = "Suspendată până la ora " + frame.pause.until_local;
    } else {
      who.textContent = "Asistentul virtual al primăriei";
    }
    showQueue(frame.state === "queued" ? frame.queue : null);
  }

  // -- rating ---------------------------------------------------------------------------

  function ratingDone() {
    return state.rating.done || readStorage(localStorage, RATED_KEY + state.conversationId) === "1";
  }

  function showRating() {
    clearTimeout(state.ratingTimer);
    if (!state.conversationId || ratingDone() || !rateBox.hidden) return;
    rateChoice = 0;
    rateButtons.forEach(function (b) { b.setAttribute("aria-checked", "false"); });
    rateSend.disabled = true;
    rateComment.value = "";
    rateError.hidden = true;
    rateBox.hidden = false;
    scrollDown();
  }

  function hideRating(remember) {
    rateBox.hidden = true;
    if (remember && state.conversationId) writeStorage(localStorage, RATED_KEY + state.conversationId, "1");
  }

  // The bot answered: ask after a quiet while, unless the citizen writes again first.
  function armRating() {
    clearTimeout(state.ratingTimer);
    if (ratingDone() || state.convState !== "bot") return;
    state.ratingTimer = window.setTimeout(function () {
      if (state.convState === "bot" && state.pending.length === 0) showRating();
    }, state.rating.idleSeconds * 1000);
  }

  rateBox.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!rateChoice || !state.ws || !state.ready) return;
    var frame = { type: "rating", score: rateChoice, client_id: "rating" };
    if (rateComment.value.trim()) frame.comment = rateComment.value;
    rateSend.disabled = true;
    state.ws.send(JSON.stringify(frame));
  });
  rateSkip.addEventListener("click", function () { hideRating(true); input.focus(); });

  // -- connection -----------------------------------------------------------------------

  function connect() {
    if (state.ws && state.ws.readyState <= 1) return;
    setConn(state.retry ? "Conexiune pierdută. Se reconectează…" : "Se conectează…", false);
    var ws;
    try { ws = new WebSocket(wsUrl); } catch (e) { scheduleReconnect(); return; }
    state.ws = ws;
    ws.onopen = function () {
      state.connected = true;
      ws.send(JSON.stringify({ type: "hello", conversation_id: state.conversationId || null, browser: browserId() }));
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    };
    ws.onclose = function () {
      state.connected = false;
      state.ready = false;
      if (state.ws === ws) scheduleReconnect();
    };
    ws.onerror = function () { /* onclose follows and reconnects */ };
  }

  function scheduleReconnect() {
    state.retry += 1;
    setConn("Conexiune pierdută. Se reconectează…", false);
    var delay = Math.min(15000, 500 * Math.pow(2, Math.min(state.retry, 5)));
    window.setTimeout(connect, delay);
  }

  function handle(frame) {
    switch (frame.type) {
      case "welcome":
        state.ready = true;
        state.retry = 0;
        state.conversationId = frame.conversation_id;
        writeStorage(localStorage, STORAGE_KEY, frame.conversation_id);
        setConn("Conectat", true);
        if (frame.notice) notice.textContent = frame.notice;
        log.textContent = "";
        state.seen = {};
        // Every conversation starts with the assistant's greeting (the page's text).
        if (frame.greeting) {
          var greeting = el("div", "efw-msg efw-msg--bot efw-greeting");
          greeting.appendChild(el("div", "efw-author", "Asistentul virtual"));
          greeting.appendChild(el("div", "efw-text", frame.greeting));
          log.appendChild(greeting);
        }
        (frame.history || []).forEach(renderMessage);
        if (state.noteAfterWelcome) {
          systemNote(state.noteAfterWelcome);
          state.noteAfterWelcome = null;
        }
        var idle = parseInt((script && script.dataset.ratingIdleSeconds) || "", 10);
        state.rating = {
          done: !!(frame.rating && frame.rating.done),
          idleSeconds: idle > 0 ? idle : ((frame.rating && frame.rating.idle_seconds) || 120),
        };
        applyState(frame);
        if (frame.state === "closed") showRating();
        var toSend = state.pending.slice();
        state.pending = [];
        toSend.forEach(function (p) { transmit(p); });
        break;
      case "ack":
        var p = takePending(frame.client_id);
        if (p && p.el) {
          p.el.classList.remove("efw-msg--pending");
          var status = p.el.querySelector(".efw-status");
          if (status) status.remove();
        }
        if (frame.message && frame.message.id) state.seen[frame.message.id] = true;
        break;
      case "message":
        renderMessage(frame);
        if (frame.sender === "bot") armRating();
        break;
      case "state":
        applyState(frame);
        if (frame.state === "closed") showRating();
        else if (frame.state !== "bot") { clearTimeout(state.ratingTimer); rateBox.hidden = true; }
        break;
      case "rated":
        state.rating.done = true;
        hideRating(true);
        systemNote(frame.message);
        break;
      case "queue":
        if (state.convState === "queued") showQueue(frame);
        break;
      case "typing":
        typing.textContent = (frame.name || "Funcționarul") + " scrie…";
        typing.hidden = false;
        window.clearTimeout(state.typingTimer);
        state.typingTimer = window.setTimeout(function () { typing.hidden = true; }, 6000);
        break;
      case "error":
        if (frame.client_id === "rating") {
          if (frame.code === "already_rated") { state.rating.done = true; hideRating(true); systemNote(frame.message); }
          else { rateError.textContent = frame.message; rateError.hidden = false; rateSend.disabled = !rateChoice; }
        } else if (frame.code === "unknown_conversation") {
          writeStorage(localStorage, STORAGE_KEY, null);
          state.conversationId = null;
          // Shown after the new conversation's welcome, which clears the log.
          state.noteAfterWelcome = "Conversația anterioară nu mai există; am început una nouă.";
          state.ws.send(JSON.stringify({ type: "hello", conversation_id: null, browser: browserId() }));
        } else if (frame.client_id && frame.code === "too_fast") {
          var waiting = takePending(frame.client_id);
          if (waiting) markWaiting(waiting, frame.message, frame.retry_after || 10);
        } else if (frame.client_id) {
          var failed = takePending(frame.client_id);
          if (failed) markFailed(failed, frame.message);
        } else {
          systemNote(frame.message);
        }
        break;
      default:
        break;
    }
  }

  function takePending(clientId) {
    for (var i = 0; i < state.pending.length; i++) {
      if (state.pending[i].clientId === clientId) return state.pending.splice(i, 1)[0];
    }
    return null;
  }

  function transmit(p) {
    if (!p.el) renderPending(p);
    state.pending.push(p);
    if (state.ready && state.ws && state.ws.readyState === 1) {
      var frame = { type: "message", text: p.text, client_id: p.clientId };
      if (p.payload) frame.payload = p.payload;
      state.ws.send(JSON.stringify(frame));
    }
  }

  var counter = 0;
  function send(text, payload) {
    text = (text || "").trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      systemNote("Mesajul are " + text.length + " de caractere; limita este de " + MAX_CHARS + ".");
      return;
    }
    counter += 1;
    clearTimeout(state.ratingTimer);
    transmit({ clientId: "c" + Date.now().toString(36) + counter, text: text, payload: payload || null });
    connect();
  }

  // -- events ---------------------------------------------------------------------------

  function openPanel() {
    panel.hidden = false;
    root.classList.add("efw--open");
    launcher.setAttribute("aria-expanded", "true");
    state.unread = 0;
    badge.hidden = true;
    writeStorage(sessionStorage, OPEN_KEY, "1");
    if (!state.everOpened) { state.everOpened = true; connect(); }
    input.focus();
    scrollDown();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("efw--open");
    launcher.setAttribute("aria-expanded", "false");
    writeStorage(sessionStorage, OPEN_KEY, null);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) openPanel(); else closePanel(); });
  closeBtn.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    send(text);
    input.value = "";
    count.textContent = "0/" + MAX_CHARS;
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  input.addEventListener("input", function () {
    count.textContent = input.value.length + "/" + MAX_CHARS;
    // The clerk sees that the citizen is typing (at most every 3 s; nothing of the text).
    var now = Date.now();
    if (state.convState === "clerk" && state.ws && state.ready && input.value.trim() &&
        now - (state.typingSent || 0) > 3000) {
      state.typingSent = now;
      state.ws.send(JSON.stringify({ type: "typing" }));
    }
  });
  humanBtn.addEventListener("click", function () {
    send("Vorbiți cu un funcționar", "/request_human");
  });
  leaveBtn.addEventListener("click", function () {
    if (state.ws && state.ready) state.ws.send(JSON.stringify({ type: "leave_queue" }));
  });
  newBtn.addEventListener("click", function () {
    writeStorage(localStorage, STORAGE_KEY, null);
    state.conversationId = null;
    if (state.ws) { var old = state.ws; state.ws = null; old.close(); }
    connect();
  });

  // A conversation in progress (queued, or with a clerk) resumes at once after a reload.
  if (state.conversationId) { state.everOpened = true; connect(); }
  if (readStorage(sessionStorage, OPEN_KEY) === "1" || (script && script.dataset.open === "true")) {
    if (document.body) openPanel(); else document.addEventListener("DOMContentLoaded", openPanel);
  }
})();
