/* The questionnaire's behaviour: live first-tier gating, progress, saving in
 * localStorage, CSV download in the scorer's format, start over.
 * Inlined by instrument/html.py (CSP allows it by hash). No network, no innerHTML:
 * every text reaches the page through textContent or .value.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ the rule
  // JavaScript twin of instrument.gating: keep the two in step (tests compare them).

  /** Count rule: how many stems must be marked at or above min_code. */
  function requiredCount(rule, nItems) {
    return Math.max(1, Math.ceil(rule.share * nItems - 1e-9));
  }

  /** A code, or null for a blank or a missing code (e.g. 9 = don't know). */
  function substantive(values, missing) {
    return values.map(function (v) {
      if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return null;
      var n = Number(v);
      return missing.indexOf(n) >= 0 ? null : n;
    });
  }

  /** Does one respondent's set of stems count as achieved? values: numbers or null. */
  function achieved(values, rule) {
    var nItems = values.length;
    if (nItems === 0) return false;
    var i, v;
    if (rule.kind === "mean") {
      var n = 0, total = 0;
      for (i = 0; i < nItems; i++) {
        v = values[i];
        if (v !== null && !Number.isNaN(v)) { n += 1; total += v; }
      }
      return n > 0 && total / n >= rule.threshold - 1e-9;
    }
    if (rule.kind === "count") {
      var hits = 0;
      for (i = 0; i < nItems; i++) {
        v = values[i];
        if (v !== null && !Number.isNaN(v) && v >= rule.min_code) hits += 1;
      }
      return hits >= requiredCount(rule, nItems);
    }
    throw new Error("unknown rule kind " + rule.kind);
  }

  var config = JSON.parse(document.getElementById("opm-config").textContent);
  var rule = config.rule;

  /** {area id: open?} from {item id: code}: the twin of gating.open_areas. */
  function openAreas(answers) {
    var out = {};
    config.areas.forEach(function (area) {
      var raw = area.gate.map(function (id) {
        return Object.prototype.hasOwnProperty.call(answers, id) ? answers[id] : null;
      });
      out[area.id] = achieved(substantive(raw, config.missing), rule);
    });
    return out;
  }

  window.OPM = { achieved: achieved, substantive: substantive, requiredCount: requiredCount,
                 openAreas: openAreas, config: config };

  // ------------------------------------------------------------------ helpers
  var msg = config.messages;
  function fmt(template, vars) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : whole;
    });
  }
  function $(id) { return document.getElementById(id); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  var form = $("questionnaire");
  var ridInput = $("respondent_id");
  var orgInput = $("organisation");
  var itemIds = config.header.slice(config.idColumns.length);

  // answers: {item id: code as number}; the page's one state besides the two fields
  var answers = {};

  // ------------------------------------------------------------------ storage
  /** A ?rid= or ?org= value as text a person can see: no control or invisible characters
   * (NUL, BOM, zero-width space), no spaces at the ends, at most 200 characters. */
  function cleanParam(value) {
    return (value || "").replace(/[\p{Cc}\p{Cf}]+/gu, "").trim().slice(0, 200) || null;
  }
  var params = new URLSearchParams(window.location.search);
  var queryRid = cleanParam(params.get("rid"));
  var queryOrg = cleanParam(params.get("org"));
  // a personal link (?rid=...) keeps its own answers apart from anyone else's on this computer
  var storageKey = config.storageKey + (queryRid ? ":" + queryRid : "");
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(storageKey + ":probe", "1");
    storage.removeItem(storageKey + ":probe");
  } catch (e) {
    storage = null;
  }

  function save() {
    if (!storage) return;
    try {
      storage.setItem(storageKey, JSON.stringify({
        instrument: config.instrument, rid: ridInput.value, org: orgInput.value, answers: answers
      }));
    } catch (e) { /* quota or privacy mode: the status line already warns */ }
  }

  function load() {
    if (!storage) return null;
    try {
      var data = JSON.parse(storage.getItem(storageKey) || "null");
      return data && data.instrument === config.instrument ? data : null;
    } catch (e) {
      return null;
    }
  }

  function setRadio(id, code) {
    var group = form.elements.namedItem(id);
    if (!group) return false;
    var radios = group.length === undefined ? [group] : group;
    var found = false;
    each(radios, function (r) {
      var on = code !== null && r.value === String(code);
      r.checked = on;
      if (on) found = true;
    });
    return found;
  }

  // ------------------------------------------------------------------ gating
  function applyGate() {
    var open = openAreas(answers);
    config.areas.forEach(function (area) {
      var tier2 = $("tier2-" + area.id);
      var note = $("gate-" + area.id);
      if (!tier2 || !note) return;
      var isOpen = open[area.id];
      var cleared = 0;
      if (!isOpen) {
        area.rest.forEach(function (id) {
          if (Object.prototype.hasOwnProperty.call(answers, id)) {
            delete answers[id];
            setRadio(id, null);
            cleared += 1;
          }
        });
      }
      tier2.hidden = !isOpen;
      var complete = area.gate.every(function (id) {
        return Object.prototype.hasOwnProperty.call(answers, id);
      });
      var state = isOpen ? "open" : (complete ? "closed" : "pending");
      var text = fmt(msg["gate_" + state],
                     { gate: config.gateName, n: area.rest.length, rule: area.ruleText });
      if (cleared) {
        // tell why the answers went; the notice stays while the area stays in this state
        text += " " + fmt(msg.gate_cleared, { k: cleared });
        note.setAttribute("data-cleared", state);
      } else if (note.getAttribute("data-cleared") === state) {
        text = note.textContent;
      } else {
        note.removeAttribute("data-cleared");
      }
      if (note.textContent !== text) note.textContent = text;
      note.setAttribute("data-state", state);
    });
    return open;
  }

  // ------------------------------------------------------------------ progress
  function toAnswer(open) {
    var list = [];
    config.areas.forEach(function (area) {
      list.push.apply(list, area.gate);
      if (open[area.id]) list.push.apply(list, area.rest);
    });
    return list;
  }

  function unanswered(open) {
    return toAnswer(open).filter(function (id) {
      return !Object.prototype.hasOwnProperty.call(answers, id);
    });
  }

  function updateProgress(open) {
    var list = toAnswer(open);
    var done = list.filter(function (id) {
      return Object.prototype.hasOwnProperty.call(answers, id);
    }).length;
    $("progress-text").textContent = fmt(msg.progress, { answered: done, total: list.length });
    var bar = $("progress");
    bar.max = Math.max(1, list.length);
    bar.value = done;
  }

  function refresh() {
    var open = applyGate();
    updateProgress(open);
    return open;
  }

  // ------------------------------------------------------------------ CSV
  var FORMULA_START = ["=", "+", "-", "@", "\t", "\r"];

  /** Same as instrument.tables.neutralise: keep spreadsheets from running text as formulas. */
  function neutralise(text) {
    return text && FORMULA_START.indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }

  /** RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes. */
  function csvField(value) {
    var s = value === null || value === undefined ? "" : String(value);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function csvText() {
    var open = openAreas(answers);
    var areaOf = {};
    config.areas.forEach(function (a) {
      a.gate.forEach(function (id) { areaOf[id] = [a.id, true]; });
      a.rest.forEach(function (id) { areaOf[id] = [a.id, false]; });
    });
    var fixed = {
      respondent_id: neutralise(ridInput.value.trim()),
      organisation: neutralise(orgInput.value.trim()),
      instrument: config.instrument,
      wave: ""
    };
    var row = config.header.map(function (col) {
      if (Object.prototype.hasOwnProperty.call(fixed, col)) return fixed[col];
      var where = areaOf[col];
      var reached = where && (where[1] || open[where[0]]);
      return reached && Object.prototype.hasOwnProperty.call(answers, col) ? answers[col] : "";
    });
    return "\ufeff" + config.header.map(csvField).join(",") + "\r\n" +
      row.map(csvField).join(",") + "\r\n";
  }

  /** A file name from the respondent id: letters, digits, '-', '_' and '.' only. */
  function fileName() {
    var rid = ridInput.value.trim();
    var base = rid.replace(/[^\p{L}\p{N}_.-]+/gu, "_").replace(/^[._-]+/, "").slice(0, 64);
    // Windows refuses a device name with any extension: "con.txt.csv" as much as "con.csv"
    if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(base)) base = "_" + base;
    return (base || "answers") + ".csv";
  }

  function download() {
    var blob = new Blob([csvText()], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = fileName();
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    $("download-warning").hidden = true;
    $("status").textContent = fmt(msg.downloaded, { file: a.download });
  }

  /** "INT01_M · Measure: This organisation records ..." for the list of unanswered stems. */
  function stemLabel(id) {
    var fs = $("fs-" + id);
    var stage = fs && fs.querySelector(".stage");
    var text = fs && fs.querySelector(".text");
    return id + (stage ? " · " + stage.textContent : "") +
      (text ? msg.label_sep + text.textContent : "");
  }

  function requestDownload() {
    var missing = unanswered(openAreas(answers));
    var noRid = !ridInput.value.trim();
    if (!missing.length && !noRid) { download(); return; }
    var box = $("download-warning");
    var lines = [];
    if (noRid) lines.push(fmt(msg.warn_no_rid, { file: fileName() }));
    if (missing.length) lines.push(fmt(msg.warn_unanswered, { k: missing.length }));
    $("warning-text").textContent = lines.join(" ");
    var list = $("warning-list");
    while (list.firstChild) list.removeChild(list.firstChild);
    missing.forEach(function (id) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#fs-" + id;
      link.textContent = stemLabel(id);
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
    box.querySelector("[data-action=download-anyway]").focus();
  }

  // ------------------------------------------------------------------ start over
  function startOver() {
    if (!window.confirm(msg.confirm_start_over)) return;
    answers = {};
    if (storage) storage.removeItem(storageKey);
    each(form.querySelectorAll("input[type=radio]"), function (r) { r.checked = false; });
    ridInput.value = queryRid || "";
    orgInput.value = queryOrg || "";
    $("download-warning").hidden = true;
    $("status").textContent = "";
    each(document.querySelectorAll(".gate-msg"), function (n) { n.removeAttribute("data-cleared"); });
    refresh();
    window.scrollTo(0, 0);
    ridInput.focus();
  }

  // ------------------------------------------------------------------ wiring
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.type === "radio" && t.checked) {
      answers[t.name] = Number(t.value);
      refresh();
    }
    save();
  });
  form.addEventListener("input", function (event) {
    if (event.target === ridInput || event.target === orgInput) save();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "download") requestDownload();
    else if (action === "download-anyway") download();
    else if (action === "print") window.print();
    else if (action === "start-over") startOver();
  });

  // ------------------------------------------------------------------ start
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");
  each(document.querySelectorAll(".js-only"), function (n) { n.hidden = false; });
  each(document.querySelectorAll(".nojs-only"), function (n) { n.hidden = true; });

  var saved = load();
  if (saved) {
    ridInput.value = typeof saved.rid === "string" ? saved.rid : "";
    orgInput.value = typeof saved.org === "string" ? saved.org : "";
    var stored = saved.answers || {};
    itemIds.forEach(function (id) {
      if (!Object.prototype.hasOwnProperty.call(stored, id)) return;
      var code = Number(stored[id]);
      if (config.codes.indexOf(code) >= 0 && setRadio(id, code)) answers[id] = code;
    });
  } else {
    // a reload may bring back radios the browser restored itself: start from the page
    each(form.querySelectorAll("input[type=radio]"), function (r) { r.checked = false; });
  }
  // the link's ?rid=&org= win over what was typed before; set as values, never as markup
  if (queryRid) ridInput.value = queryRid;
  if (queryOrg) orgInput.value = queryOrg;
  refresh();
  if (!storage) $("status").textContent = msg.storage_off;
  save();
})();
