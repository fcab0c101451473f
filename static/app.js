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
