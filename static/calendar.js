// Week view: move an event by dragging it (on a touch screen: hold it a moment first), change its end by dragging
// its bottom edge, or do either with the keyboard (arrows move by 15 minutes or a day, Shift+Up/Down changes the end, Enter saves, Escape cancels).
// Changes are saved through POST /calendar/events/<id>/move (the edit form's service); without this file every
// event still links to its edit form. Times are "floating" local times of the app's zone, the server reads them
// in app.timezone; Date is used in UTC mode only for day arithmetic, never the browser's zone.
(function () {
  "use strict";
  var STEP = 15;       // minutes: the grid's quarter hours
  var DAY = 1440;
  var ROWS = 96;
  var edit = null;     // the event being moved: {el, id, title, start, end, from, parent, classes, label}
  var drag = null;     // pointer state while the mouse button (or a held finger) is down on an event
  var swallowClick = false;
  var keptScroll = null;  // the week's scroll position to keep across a refresh after a save

  var EVENTS = ".week-grid[data-move-url] .wk-event";  // the week view's grid and today's on the home page

  function minutes(text) {
    var p = text.split(/[-T:]/).map(Number);
    return Date.UTC(p[0], p[1] - 1, p[2], p[3], p[4]) / 60000;
  }
  function text(value) { return new Date(value * 60000).toISOString().slice(0, 16); }
  function dayText(value) { return text(Math.floor(value / DAY) * DAY).slice(0, 10); }
  function describe(start, end) {
    var d = new Date(start * 60000);
    var day = d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
    return day + " " + text(start).slice(11) + " to " + text(end).slice(11);
  }
  function snap(value) { return Math.round(value / STEP) * STEP; }

  function announce(message, isError) {
    var box = document.getElementById("cal-announce");
    if (!box) { return; }
    box.className = "cal-message" + (message ? (isError ? " flash flash-error" : " flash flash-success") : "");
    box.textContent = message;
  }

  function classNumber(el, prefix) {
    var match = el.className.match(new RegExp("(?:^|\\s)" + prefix + "(\\d+)(?=\\s|$)"));
    return match ? parseInt(match[1], 10) : 0;
  }
  function setClass(el, prefix, value) {
    el.className = el.className.replace(new RegExp("(^|\\s)" + prefix + "\\d+(?=\\s|$)", "g"), "$1" + prefix + value);
  }

  function begin(el) {
    if (edit && edit.el === el) { return edit; }
    if (edit) { cancel(); }
    var start = minutes(el.getAttribute("data-start"));
    var end = minutes(el.getAttribute("data-end"));
    var label = el.querySelector(".wk-time");
    edit = {
      el: el, id: el.id.replace("ev-", ""), start: start, end: end, from: { start: start, end: end },
      grid: el.closest(".week-grid"),
      parent: el.parentNode, next: el.nextSibling, classes: el.className, label: label ? label.textContent : "",
      title: el.textContent.replace(label ? label.textContent : "", "").trim()
    };
    return edit;
  }

  // Show the proposed times: the event goes to its day's column, full width, at its new rows.
  function place(start, end) {
    var column = edit.grid.querySelector('.wk-day[data-day="' + dayText(start) + '"]');
    if (!column) { return false; }
    edit.start = start;
    edit.end = end;
    var row = Math.floor((start % DAY) / STEP) + 1;
    var span = Math.max(1, Math.min(ROWS - row + 1, Math.ceil((end - start) / STEP)));
    var el = edit.el;
    var focused = document.activeElement === el;
    if (el.parentNode !== column) { column.appendChild(el); }
    setClass(el, "gr-", row);
    setClass(el, "rs-", span);
    setClass(el, "gc-", 1);
    setClass(el, "gs-", 12);
    el.classList.add("is-pending");
    var label = el.querySelector(".wk-time");
    if (label) { label.textContent = text(start).slice(11); }
    if (focused && document.activeElement !== el) { el.focus(); }
    return true;
  }

  function cancel() {
    if (!edit) { return; }
    var el = edit.el;
    var focused = document.activeElement === el;
    edit.parent.insertBefore(el, edit.next && edit.next.parentNode === edit.parent ? edit.next : null);
    el.className = edit.classes;
    var label = el.querySelector(".wk-time");
    if (label) { label.textContent = edit.label; }
    if (focused) { el.focus(); }
    edit = null;
  }

  function token() {
    var main = document.getElementById("main");
    try { return JSON.parse(main.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function save() {
    var current = edit;
    if (!current) { return; }
    var grid = current.grid;
    if (current.start === current.from.start && current.end === current.from.end) { cancel(); return; }
    current.el.classList.add("is-saving");
    var url = grid.getAttribute("data-move-url").replace(/\/0\/move$/, "/" + current.id + "/move");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify({ start: text(current.start), end: text(current.end) })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error((answer.body.error && answer.body.error.message) || "not saved"); }
      edit = null;
      // Announced once the week is laid out again, so what is announced is what the page shows.
      var saved = "Saved: “" + current.title + "” " + describe(current.start, current.end) + ".";
      refresh(grid, current.id, function () { announce(saved, false); });
    }).catch(function (error) {
      if (edit === current) { cancel(); }
      announce("Not saved: " + error.message, true);
    });
  }

  // Lay the week out again from the server (lanes, "+N"), keeping the scroll position and the focus; then done().
  function refresh(grid, id, done) {
    var view = grid.closest("section[id]");
    if (!window.htmx || !view) { window.location.reload(); return; }
    keep(view, id);
    window.htmx.ajax("GET", window.location.href, { target: "#" + view.id, swap: "outerHTML" })
      .then(restoreScroll).then(done, done);
  }
  function keep(view, id) {
    var box = view.querySelector(".week-scroll");
    keptScroll = { view: view.id, top: box ? box.scrollTop : 0, left: box ? box.scrollLeft : 0, id: id };
  }
  function restoreScroll() {
    if (!keptScroll) { return; }
    var again = document.querySelector("#" + keptScroll.view + " .week-scroll");
    if (again) { again.scrollTop = keptScroll.top; again.scrollLeft = keptScroll.left; }
    var moved = document.getElementById("ev-" + keptScroll.id);
    if (moved) { moved.focus({ preventScroll: true }); }
  }

  function lockedMessage(el) {
    return "“" + el.textContent.replace(" (read-only)", "").trim() + "” belongs to a read-only calendar of " +
      el.getAttribute("data-locked") + ": change it there.";
  }

  // ---- keyboard ----
  document.addEventListener("keydown", function (event) {
    var el = event.target.closest ? event.target.closest(EVENTS) : null;
    if (!el || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var arrows = { ArrowUp: -STEP, ArrowDown: STEP, ArrowLeft: -DAY, ArrowRight: DAY };
    if (!el.hasAttribute("data-start")) {
      if (arrows[event.key] && el.hasAttribute("data-locked")) { event.preventDefault(); announce(lockedMessage(el), true); }
      return;
    }
    if (event.key === "Escape" && edit && edit.el === el) {
      event.preventDefault();
      cancel();
      announce("Move cancelled.", false);
      return;
    }
    if (event.key === "Enter" && edit && edit.el === el) { event.preventDefault(); save(); return; }
    var delta = arrows[event.key];
    if (!delta) { return; }
    event.preventDefault();
    var state = begin(el);
    var start = state.start;
    var end = state.end;
    if (event.shiftKey) {
      if (delta === STEP || delta === -STEP) { end = Math.max(start + STEP, snap(end + delta)); }
    } else {
      var length = end - start;
      start = delta === DAY || delta === -DAY ? start + delta : snap(start + delta);
      end = start + length;
    }
    if (place(start, end)) {
      announce(state.title + ": " + describe(start, end) + ". Enter saves, Escape cancels.", false);
    }
  });

  // ---- mouse and pen ----
  document.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest(EVENTS)) { event.preventDefault(); }
  });

  document.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || event.pointerType === "touch") { return; }
    var el = event.target.closest ? event.target.closest(EVENTS) : null;
    if (!el) { return; }
    drag = {
      el: el, x: event.clientX, y: event.clientY, moved: false, movable: el.hasAttribute("data-start"),
      resize: event.target.classList.contains("wk-resize")
    };
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerType === "touch") { return; }
    if (dragTo(event.clientX, event.clientY)) { event.preventDefault(); }
  });

  // Follow the pointer or finger to (x, y); true when the event is being moved (the page must not scroll).
  function dragTo(x, y) {
    var dx = x - drag.x;
    var dy = y - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 6) { return false; }
    if (!drag.moved) { lift(); }
    if (!drag.movable) { return false; }
    var columns = edit.grid.querySelectorAll(".wk-day");
    var rowHeight = columns[0].getBoundingClientRect().height / ROWS;
    var steps = Math.round(dy / rowHeight);
    if (drag.resize) {
      var dayEnd = Math.floor(edit.from.start / DAY) * DAY + DAY;
      place(edit.from.start, Math.min(dayEnd, Math.max(edit.from.start + STEP, snap(edit.from.end + steps * STEP))));
      return true;
    }
    var days = 0;
    var home = edit.grid.querySelector('.wk-day[data-day="' + dayText(edit.from.start) + '"]');
    for (var i = 0; i < columns.length; i++) {
      var box = columns[i].getBoundingClientRect();
      if (x >= box.left && x < box.right) {
        days = Math.round((minutes(columns[i].getAttribute("data-day") + "T00:00") -
          minutes(home.getAttribute("data-day") + "T00:00")) / DAY);
      }
    }
    var length = edit.from.end - edit.from.start;
    var start = snap(edit.from.start + days * DAY + steps * STEP);
    var first = Math.floor(start / DAY) * DAY;
    start = Math.max(first, Math.min(first + DAY - STEP, start));
    place(start, start + length);
    return true;
  }

  // The drag starts: a read-only event says why it stays, a movable one is picked up.
  function lift() {
    drag.moved = true;
    if (!drag.movable) {
      if (drag.el.hasAttribute("data-locked")) { announce(lockedMessage(drag.el), true); }
      return;
    }
    begin(drag.el);
    drag.el.classList.add("is-dragging");
    document.body.classList.add("is-dragging-event");
  }

  document.addEventListener("pointerup", function (event) {
    if (drag && event.pointerType !== "touch") { finishDrag(); }
  });

  function finishDrag() {
    var finished = drag;
    drag = null;
    if (!finished.moved) { return; }
    swallowClick = true;  // the click that ends a drag must not open the event
    window.setTimeout(function () { swallowClick = false; }, 0);
    finished.el.classList.remove("is-dragging");
    document.body.classList.remove("is-dragging-event");
    if (finished.movable && edit && edit.el === finished.el) { save(); }
  }

  // ---- touch: hold an event for a moment, then drag it; a swipe that starts at once still scrolls ----
  var HOLD_MS = 400;
  var hold = null;  // a finger resting on an event: {el, x, y, resize, timer}
  function letGo() {
    if (hold) { window.clearTimeout(hold.timer); hold = null; }
  }
  document.addEventListener("touchstart", function (event) {
    letGo();
    var el = event.target.closest ? event.target.closest(EVENTS) : null;
    if (!el || event.touches.length !== 1) { return; }
    var touch = event.touches[0];
    hold = { el: el, x: touch.clientX, y: touch.clientY, resize: event.target.classList.contains("wk-resize") };
    hold.timer = window.setTimeout(function () {
      drag = { el: hold.el, x: hold.x, y: hold.y, moved: false, movable: hold.el.hasAttribute("data-start"),
        resize: hold.resize, touch: true };
      hold = null;
      lift();
      if (drag.movable) { announce(edit.title + ": drag to move it, lift your finger to save.", false); }
    }, HOLD_MS);
  }, { passive: true });
  document.addEventListener("touchmove", function (event) {
    var touch = event.touches[0];
    if (hold && Math.abs(touch.clientX - hold.x) + Math.abs(touch.clientY - hold.y) > 8) { letGo(); }
    if (!drag || !drag.touch) { return; }
    event.preventDefault();  // the held event moves instead of the page scrolling
    if (drag.movable) { dragTo(touch.clientX, touch.clientY); }
  }, { passive: false });
  document.addEventListener("touchend", function () {
    letGo();
    if (drag && drag.touch) { finishDrag(); }
  });
  document.addEventListener("touchcancel", function () {
    letGo();
    if (!drag || !drag.touch) { return; }
    var stopped = drag;
    drag = null;
    stopped.el.classList.remove("is-dragging");
    document.body.classList.remove("is-dragging-event");
    cancel();
  });
  // A long press would otherwise open the browser's menu for the link.
  document.addEventListener("contextmenu", function (event) {
    if ((hold || drag) && event.target.closest && event.target.closest(EVENTS)) { event.preventDefault(); }
  });

  // On a phone the week shows two days at a time: open it at today's column rather than at Monday.
  function showToday() {
    var box = document.querySelector("#calendar .week-scroll");
    var head = box ? box.querySelector(".wk-dayhead.is-today") : null;
    var hours = box ? box.querySelector(".wk-hours") : null;
    if (head && hours && box.scrollWidth > box.clientWidth) { box.scrollLeft = head.offsetLeft - hours.offsetWidth; }
  }
  document.addEventListener("DOMContentLoaded", showToday);
  // The home page's agenda polls every minute: its time grid keeps where it was scrolled to.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "agenda" && !keptScroll) { keep(target, null); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.elt ? event.detail.elt.id : "";
    if (id !== "calendar" && id !== "agenda") { return; }
    if (keptScroll) { restoreScroll(); keptScroll = null; } else if (id === "calendar") { showToday(); }
  });

  document.addEventListener("click", function (event) {
    if (swallowClick) { event.preventDefault(); event.stopPropagation(); swallowClick = false; }
  }, true);
}());
