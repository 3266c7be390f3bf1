/* The questionnaire's behaviour: first-tier gating with a minimum of answers, progress,
 * saving in localStorage (merged between tabs), CSV download in the scorer's format,
 * start over. Inlined by instrument/html.py (CSP allows it by hash). No network, no
 * innerHTML: every text reaches the page through textContent or .value.
 *
 * The page's one state is a set of cells, one per CSV column a respondent fills
 * (respondent_id, organisation, background questions, items), each with the time it
 * was last set. Two tabs of the same file merge their states cell by cell (the later
 * setting wins), so neither silently loses the other's answers. Answers behind a closed
 * gate stay in the state: hidden, left out of the download, back when the gate reopens.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ the rule
  // JavaScript twin of instrument.gating: keep the two in step (tests compare them).

  /** Count rule: how many stems must be marked at or above min_code. */
  function requiredCount(rule, nItems) {
    return Math.max(1, Math.ceil(rule.share * nItems - 1e-9));
  }

  /** How many substantive answers a set of nItems stems needs to be rated (0: no minimum). */
  function requiredAnswers(rule, nItems) {
    if (rule.min_answered === undefined || rule.min_answered === null || nItems <= 0) return 0;
    return Math.max(1, Math.ceil(rule.min_answered * nItems - 1e-9));
  }

  /** A code, or null for a blank or a missing code (e.g. 8 = not applicable, 9 = don't know). */
  function substantive(values, missing) {
    return values.map(function (v) {
      if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return null;
      var n = Number(v);
      return missing.indexOf(n) >= 0 ? null : n;
    });
  }

  /** {achieved, rated} for one respondent's set of stems; values: numbers or null. */
  function judge(values, rule) {
    var nItems = values.length, n = 0, total = 0, hits = 0;
    values.forEach(function (v) {
      if (v === null || Number.isNaN(v)) return;
      n += 1;
      total += v;
      if (v >= rule.min_code) hits += 1;
    });
    var rated = nItems > 0 && n >= requiredAnswers(rule, nItems);
    var passes;
    if (rule.kind === "mean") passes = n > 0 && total / n >= rule.threshold - 1e-9;
    else if (rule.kind === "count") passes = hits >= requiredCount(rule, nItems);
    else throw new Error("unknown rule kind " + rule.kind);
    return { achieved: rated && passes, rated: rated };
  }

  function achieved(values, rule) { return judge(values, rule).achieved; }

  var config = JSON.parse(document.getElementById("opm-config").textContent);
  var rule = config.rule;
  var areas = config.areas;

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  /** {area id: open?} from {item id: code}: the twin of gating.open_areas. */
  function openAreas(answers) {
    var out = {};
    areas.forEach(function (area) {
      var raw = area.gate.map(function (id) { return has(answers, id) ? answers[id] : null; });
      out[area.id] = achieved(substantive(raw, config.missing), rule);
    });
    return out;
  }

  // ------------------------------------------------------------------ text cleaning
  var SPACING = /[\t\n\v\f\r\x85\u2028\u2029]/g;
  // controls, format characters (zero-width spaces, BOM, bidi marks), lone surrogates and
  // the invisible fillers: never part of an id or a name, and the scorer rejects them
  var INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u034F\u115F\u1160\u3164\uFFA0]/gu;

  /** An id or a name as the CSV may hold it: no control or invisible characters, one space
   * between words, at most maxLength characters. */
  function cleanId(text, maxLength) {
    var s = String(text === null || text === undefined ? "" : text).normalize("NFC")
      .replace(SPACING, " ").replace(INVISIBLE, "").replace(/\s+/gu, " ").trim();
    return maxLength ? Array.from(s).slice(0, maxLength).join("") : s;
  }

  var FORMULA_START = ["=", "+", "-", "@", "\t", "\r"];

  /** Same as instrument.tables.neutralise: keep spreadsheets from running text as formulas. */
  function neutralise(text) {
    return text && FORMULA_START.indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }

  window.OPM = { achieved: achieved, judge: judge, substantive: substantive,
                 requiredCount: requiredCount, requiredAnswers: requiredAnswers,
                 openAreas: openAreas, cleanId: cleanId, neutralise: neutralise,
                 config: config };

  // ------------------------------------------------------------------ helpers
  var msg = config.messages;
  function fmt(template, vars) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return has(vars, key) ? String(vars[key]) : whole;
    });
  }
  function $(id) { return document.getElementById(id); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  var form = $("questionnaire");
  var ID_LIMIT = { respondent_id: 64, organisation: 200 };

  // what each column a respondent fills is: "id", "item", or a background question's kind
  var kinds = {}, specs = {}, areaOf = {};
  kinds.respondent_id = kinds.organisation = "id";
  config.background.forEach(function (q) { kinds[q.id] = q.kind; specs[q.id] = q; });
  areas.forEach(function (a) {
    a.gate.concat(a.rest).forEach(function (id) {
      kinds[id] = "item";
      areaOf[id] = { area: a.id, gate: a.gate.indexOf(id) >= 0 };
    });
  });
  var backgroundIds = config.background.map(function (q) { return q.id; });

  // ------------------------------------------------------------------ state
  function emptyState() { return { cells: {}, cleared: 0, asked: 0 }; }
  var state = emptyState();
  var clock = 0;  // never goes back, so a later setting always carries a later time

  function tick() { clock = Math.max(Date.now(), clock + 1); return clock; }
  function seen(t) { if (t > clock) clock = t; }
  function value(name) { return has(state.cells, name) ? state.cells[name].v : undefined; }
  function setCell(name, v) { state.cells[name] = { v: v, t: tick() }; }

  /** A stored value as this page accepts it, or undefined. */
  function accept(name, v) {
    var kind = kinds[name];
    if (kind === "item") return typeof v === "number" && config.codes.indexOf(v) >= 0 ? v : undefined;
    if (kind === "single") return typeof v === "number" && specs[name].codes.indexOf(v) >= 0 ? v : undefined;
    if (typeof v !== "string") return undefined;
    if (kind === "id") return v.slice(0, ID_LIMIT[name]);
    if (kind === "text") return v.slice(0, specs[name].maxLength);
    if (kind === "number") return v.slice(0, 64);
    return undefined;
  }

  function time(t) { return typeof t === "number" && isFinite(t) && t > 0 ? t : 0; }

  /** A state read from storage, checked cell by cell; null when it is not this form's. */
  function parseState(data) {
    if (!data || data.format !== 2 || data.instrument !== config.instrument ||
        typeof data.cells !== "object" || data.cells === null) return null;
    var s = { cells: {}, cleared: time(data.cleared), asked: time(data.asked) };
    Object.keys(data.cells).forEach(function (name) {
      var c = data.cells[name];
      if (!has(kinds, name) || !c || time(c.t) <= s.cleared) return;
      var v = accept(name, c.v);
      if (v !== undefined) s.cells[name] = { v: v, t: c.t };
    });
    if (s.asked <= s.cleared) s.asked = 0;
    return s;
  }

  /** The same state always gives the same text (cells in name order). */
  function serialise(s) {
    var cells = {};
    Object.keys(s.cells).sort().forEach(function (k) { cells[k] = s.cells[k]; });
    return JSON.stringify({ format: 2, instrument: config.instrument, cleared: s.cleared,
                            asked: s.asked, cells: cells });
  }

  function newer(c, d) {
    return c.t > d.t || (c.t === d.t && JSON.stringify(c.v) > JSON.stringify(d.v));
  }

  /** Two tabs' states as one: per cell the later setting; a start over drops what came
   * before it. Commutative and idempotent, so tabs that keep merging agree. */
  function merge(a, b) {
    var out = { cells: {}, cleared: Math.max(a.cleared, b.cleared), asked: 0 };
    [a, b].forEach(function (s) {
      Object.keys(s.cells).forEach(function (name) {
        var c = s.cells[name];
        if (c.t > out.cleared && (!has(out.cells, name) || newer(c, out.cells[name]))) {
          out.cells[name] = c;
        }
      });
    });
    var asked = Math.max(a.asked, b.asked);
    out.asked = asked > out.cleared ? asked : 0;
    return out;
  }

  function noteTimes(s) {
    seen(s.cleared);
    seen(s.asked);
    Object.keys(s.cells).forEach(function (k) { seen(s.cells[k].t); });
  }

  // ------------------------------------------------------------------ storage
  var params = new URLSearchParams(window.location.search);
  var queryRid = cleanId(params.get("rid"), ID_LIMIT.respondent_id);
  var queryOrg = cleanId(params.get("org"), ID_LIMIT.organisation);
  // a personal link (?rid=...) keeps its own answers apart from anyone else's on this computer
  var storageKey = config.storageKey + (queryRid ? ":" + queryRid : "");
  var storage = null;
  try {
    storage = window.localStorage;
    storage.getItem(storageKey);
  } catch (e) {
    storage = null;  // blocked: said at the top, with the download
  }

  function readStored() {
    if (!storage) return null;
    try {
      return parseState(JSON.parse(storage.getItem(storageKey) || "null"));
    } catch (e) {
      return null;
    }
  }

  function showAlert(text) {
    if ($("save-alert-text").textContent !== text) $("save-alert-text").textContent = text;
    $("save-alert-body").hidden = false;
    $("saved-note").hidden = true;
  }

  function hideAlert() {
    $("save-alert-body").hidden = true;
    $("saved-note").hidden = false;
  }

  /** Take in what another tab stored; true when this tab's state changed. */
  function absorb(incoming) {
    var merged = merge(state, incoming);
    var changed = serialise(merged) !== serialise(state);
    state = merged;
    noteTimes(state);
    if (changed) {
      showState();
      refresh(false);
    }
    return changed;
  }

  /** Read, merge, write: a save never drops what another tab saved in the meantime.
   * Nothing new to write is no write (a full storage refuses even an unchanged value). */
  function save() {
    if (!storage) return;
    var stored = readStored();
    if (stored) absorb(stored);
    var text = serialise(state);
    try {
      if (!stored || serialise(stored) !== text) storage.setItem(storageKey, text);
      hideAlert();
    } catch (e) {
      showAlert(msg.save_failed);  // quota exceeded, or storage taken away
    }
  }

  window.addEventListener("storage", function (event) {
    if (!storage || event.key !== storageKey || !event.newValue) return;
    var incoming = null;
    try { incoming = parseState(JSON.parse(event.newValue)); } catch (e) { return; }
    if (!incoming) return;
    absorb(incoming);
    // this tab knew something the other did not: store the union for both
    if (serialise(state) !== serialise(incoming)) save();
  });

  // ------------------------------------------------------------------ the form's controls
  function control(name) { return form.elements.namedItem(name); }

  /** Make the controls show the state (after loading or merging). */
  function showState() {
    Object.keys(kinds).forEach(function (name) {
      var v = value(name);
      var el = control(name);
      if (!el) return;
      if (kinds[name] === "item" || kinds[name] === "single") {
        each(el.length === undefined ? [el] : el, function (r) {
          var on = v !== undefined && r.value === String(v);
          if (r.checked !== on) r.checked = on;
        });
      } else {
        var text = v === undefined ? "" : v;
        if (el.value !== text) el.value = text;
        if (kinds[name] === "number") showNumberCheck(name);
      }
    });
  }

  /** "blank", "valid" or "invalid" for a number question's text. */
  function numberState(name, text) {
    var spec = specs[name];
    var s = (text || "").trim();
    if (!s) return "blank";
    var n = Number(s);
    var ok = isFinite(n) && (spec.min === null || n >= spec.min) &&
      (spec.max === null || n <= spec.max) && (!spec.integer || Number.isInteger(n));
    return ok ? "valid" : "invalid";
  }

  function numberInvalid(name) {
    var el = $("bg-" + name);
    return (el && el.validity && el.validity.badInput) ||
      numberState(name, value(name)) === "invalid";
  }

  function showNumberCheck(name) {
    var el = $("bg-" + name), error = $("bg-" + name + "-error");
    if (!el || !error) return;
    var bad = numberInvalid(name);
    error.hidden = !bad;
    if (bad) el.setAttribute("aria-invalid", "true");
    else el.removeAttribute("aria-invalid");
    var hint = $("bg-" + name + "-hint");
    var described = (hint ? [hint.id] : []).concat(bad ? [error.id] : []).join(" ");
    if (described) el.setAttribute("aria-describedby", described);
    else el.removeAttribute("aria-describedby");
  }

  // ------------------------------------------------------------------ gating
  function answered(id) { return value(id) !== undefined; }

  function itemValues() {
    var out = {};
    Object.keys(state.cells).forEach(function (id) {
      if (kinds[id] === "item") out[id] = state.cells[id].v;
    });
    return out;
  }

  /** An area is decided once all its gate stems have an answer (any code), once anything
   * in a later area is answered, or once the respondent asked to download. */
  function decided() {
    var out = {}, later = false;
    for (var k = areas.length - 1; k >= 0; k--) {
      var a = areas[k];
      out[a.id] = state.asked > 0 || later || a.gate.every(answered);
      if (a.gate.some(answered) || a.rest.some(answered)) later = true;
    }
    return out;
  }

  /** {area id: "pending" | "open" | "closed"}. */
  function gateStates() {
    var done = decided(), open = openAreas(itemValues()), out = {};
    areas.forEach(function (a) {
      out[a.id] = !done[a.id] ? "pending" : (open[a.id] ? "open" : "closed");
    });
    return out;
  }

  function gateText(area, s) {
    if (s === "pending") return fmt(msg.gate_pending, { gate: config.gateName });
    if (s === "open") return fmt(msg.gate_open, { n: area.rest.length });
    var kept = area.rest.filter(answered).length;
    return msg.gate_closed + (kept ? msg.sentence_sep + fmt(msg.gate_kept, { k: kept }) : "");
  }

  function showGates(states) {
    areas.forEach(function (a) {
      var s = states[a.id];
      $("area-" + a.id).setAttribute("data-state", s);
      var tier2 = $("tier2-" + a.id), note = $("gate-" + a.id);
      if (!tier2 || !note) return;
      tier2.hidden = s !== "open";
      var text = gateText(a, s);
      if (note.textContent !== text) note.textContent = text;
      note.setAttribute("data-state", s);
    });
  }

  /** One message for what an answer changed: the areas it opened or closed. */
  function announce(before, after) {
    var lines = [];
    areas.forEach(function (a) {
      var now = after[a.id];
      if (!a.rest.length || now === before[a.id] || now === "pending") return;
      var text = now === "open" ? fmt(msg.gate_open, { n: a.rest.length }) : msg.gate_closed;
      lines.push(fmt(msg.announce, { area: a.name, text: text }));
    });
    if (lines.length) $("announce").textContent = lines.join(msg.sentence_sep);
  }

  // ------------------------------------------------------------------ progress
  /** What is asked now: the background, every gate stem, the other stems of open areas. */
  function toAnswer(states) {
    var list = backgroundIds.slice();
    areas.forEach(function (a) {
      list.push.apply(list, a.gate);
      if (states[a.id] === "open") list.push.apply(list, a.rest);
    });
    return list;
  }

  function filled(name) {
    var kind = kinds[name], v = value(name);
    if (v === undefined) return false;
    if (kind === "number") return numberState(name, v) === "valid";
    if (kind === "text") return cleanId(v) !== "";
    return true;
  }

  function updateProgress(states) {
    var list = toAnswer(states);
    var done = list.filter(filled).length;
    $("progress-text").textContent = fmt(msg.progress, { answered: done, total: list.length });
    var bar = $("progress");
    bar.max = Math.max(1, list.length);
    bar.value = done;
  }

  var lastStates = null;

  /** Draw gates and progress from the state; with say, announce what the change decided. */
  function refresh(say) {
    var states = gateStates();
    showGates(states);
    if (say && lastStates) announce(lastStates, states);
    lastStates = states;
    updateProgress(states);
    return states;
  }

  // ------------------------------------------------------------------ CSV
  /** RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes. */
  function csvField(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /** One column's cell: ids and text cleaned and neutralised, numbers only when valid,
   * stems beyond a gate only while it is open. */
  function csvCell(col, states) {
    var kind = kinds[col], v = value(col);
    if (col === "instrument") return config.instrument;
    if (v === undefined) return "";
    if (kind === "id") return neutralise(cleanId(v, ID_LIMIT[col]));
    if (kind === "text") return neutralise(cleanId(v, specs[col].maxLength));
    if (kind === "number") return numberState(col, v) === "valid" ? String(Number(v.trim())) : "";
    if (kind === "item") {
      var where = areaOf[col];
      return where.gate || states[where.area] === "open" ? v : "";
    }
    return kind === "single" ? v : "";
  }

  function csvText(states) {
    var row = config.header.map(function (col) { return csvCell(col, states); });
    return "\ufeff" + config.header.map(csvField).join(",") + "\r\n" +
      row.map(csvField).join(",") + "\r\n";
  }

  /** A file name from the respondent id: letters, digits, '-', '_' and '.' only. */
  function fileName() {
    var rid = cleanId(value("respondent_id"), ID_LIMIT.respondent_id);
    var base = rid.replace(/[^\p{L}\p{N}_.-]+/gu, "_").replace(/^[._-]+/, "").slice(0, 64);
    // Windows refuses a device name with any extension: "con.txt.csv" as much as "con.csv"
    if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(base)) base = "_" + base;
    return (base || "answers") + ".csv";
  }

  /** Asking to download decides every pending area (and is remembered). */
  function decideAll() {
    if (!state.asked) {
      state.asked = tick();
      save();
    }
    return refresh(false);
  }

  function download() {
    var states = decideAll();
    var blob = new Blob([csvText(states)], { type: "text/csv;charset=utf-8" });
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
  function questionLabel(id) {
    var fs = $("fs-" + id);
    if (!fs) return id;
    if (kinds[id] !== "item") {
      var legend = fs.querySelector("legend, label");
      return id + (legend ? msg.label_sep + legend.textContent : "");
    }
    var stage = fs.querySelector(".stage"), text = fs.querySelector(".text");
    return id + (stage ? " · " + stage.textContent : "") +
      (text ? msg.label_sep + text.textContent : "");
  }

  function listQuestions(ids) {
    var list = $("warning-list");
    while (list.firstChild) list.removeChild(list.firstChild);
    ids.forEach(function (id) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#fs-" + id;
      link.textContent = questionLabel(id);
      li.appendChild(link);
      list.appendChild(li);
    });
  }

  function requestDownload() {
    var states = decideAll();
    var invalid = backgroundIds.filter(function (id) {
      return kinds[id] === "number" && numberInvalid(id);
    });
    var missing = toAnswer(states).filter(function (id) {
      return !filled(id) && invalid.indexOf(id) < 0;
    });
    var noRid = !cleanId(value("respondent_id"));
    if (!missing.length && !invalid.length && !noRid) { download(); return; }
    var lines = [];
    if (noRid) lines.push(fmt(msg.warn_no_rid, { file: fileName() }));
    if (invalid.length) lines.push(msg.warn_invalid);
    if (missing.length) lines.push(fmt(msg.warn_unanswered, { k: missing.length }));
    $("warning-text").textContent = lines.join(msg.sentence_sep);
    listQuestions(invalid.concat(missing));
    var box = $("download-warning");
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
    box.querySelector("[data-action=download-anyway]").focus();
  }

  // ------------------------------------------------------------------ start over
  function fromLink() {
    if (queryRid && value("respondent_id") !== queryRid) setCell("respondent_id", queryRid);
    if (queryOrg && value("organisation") !== queryOrg) setCell("organisation", queryOrg);
  }

  function startOver() {
    if (!window.confirm(msg.confirm_start_over)) return;
    state = emptyState();
    state.cleared = tick();
    fromLink();
    showState();
    save();
    $("download-warning").hidden = true;
    $("status").textContent = "";
    refresh(false);
    window.scrollTo(0, 0);
    $("respondent_id").focus();
  }

  // ------------------------------------------------------------------ wiring
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.type !== "radio" || !t.checked || !has(kinds, t.name)) return;
    setCell(t.name, Number(t.value));
    refresh(kinds[t.name] === "item");
    save();
  });
  form.addEventListener("input", function (event) {
    var t = event.target;
    if (t.type === "radio" || !has(kinds, t.name)) return;
    setCell(t.name, t.value);
    if (kinds[t.name] === "number") showNumberCheck(t.name);
    refresh(false);
    save();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "download") requestDownload();
    else if (action === "download-now") download();
    else if (action === "download-anyway") {
      download();
      $("download-main").focus();  // the warning it sat in is gone: stay here, not at the top
    } else if (action === "print") window.print();
    else if (action === "start-over") startOver();
  });

  // ------------------------------------------------------------------ start
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");
  each(document.querySelectorAll(".js-only"), function (n) { n.hidden = false; });
  each(document.querySelectorAll(".nojs-only"), function (n) { n.hidden = true; });

  var stored = readStored();
  if (stored) state = stored;
  noteTimes(state);
  fromLink();  // the link's ?rid=&org= win over what was typed before
  showState();
  refresh(false);
  if (storage) save();
  else showAlert(msg.storage_off);
})();
