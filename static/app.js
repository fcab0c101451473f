// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  var target = document.getElementById("main");
  if (!target || !event.detail.xhr) { return; }
  var note = document.createElement("p");
  note.className = "flash flash-error";
  note.setAttribute("role", "alert");
  note.textContent = "The server answered " + event.detail.xhr.status + ". Please try again.";
  target.prepend(note);
});

// Keyboard: "/" jumps to the page's search box; on calendar pages "p", "n" and "t" go to the
// previous period, the next one and today. Keys typed into a field are left alone.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
  if (event.key === "/") {
    var search = document.querySelector("main input[type=search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
    return;
  }
  var index = { p: 0, t: 1, n: 2 }[event.key];
  if (index === undefined) { return; }
  var links = document.querySelectorAll("#calendar .cal-nav a");
  if (links.length === 3) { event.preventDefault(); links[index].click(); }
});

// Open the week view at the start of the working day (row 29 = 07:00) rather than at midnight.
function openWeekAtMorning(root) {
  var box = (root || document).querySelector(".week-scroll");
  if (!box) { return; }
  var row = box.querySelector(".wk-hour.gr-" + box.getAttribute("data-start-row"));
  var head = box.querySelector(".wk-dayhead");
  var allDay = box.querySelector(".wk-allday");
  var covered = (head ? head.offsetHeight : 0) + (allDay ? allDay.offsetHeight : 0);  // the sticky rows
  if (row) { box.scrollTop = row.offsetTop - covered; }
}
document.addEventListener("DOMContentLoaded", function () { openWeekAtMorning(document); });
document.addEventListener("htmx:afterSettle", function (event) {
  // Only when the calendar itself was replaced (week navigation), not on every polling swap.
  if (event.detail.elt && event.detail.elt.id === "calendar") { openWeekAtMorning(document); }
});

// Copy buttons: <button data-copy-target="id"> copies that element's text (the new API key on the Keys page).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.getAttribute("data-copy-target"));
  if (!source) { return; }
  navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = "Copied"; });
});
