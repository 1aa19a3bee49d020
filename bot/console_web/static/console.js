// HR's console: the few lines of script it has. Progress of an announcement refreshes itself
// (polling its JSON every few seconds until it is final); a form's button is pressed once.
"use strict";
(function () {
  var box = document.getElementById("progress");
  if (box && box.dataset.final !== "yes") {
    var every = (parseInt(box.dataset.every, 10) || 2) * 1000;
    var poll = function () {
      fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (f) {
          if (!f) { return; }
          box.querySelectorAll("[data-field]").forEach(function (el) {
            var v = f[el.dataset.field];
            if (v !== undefined) { el.textContent = v; }
          });
          var badge = box.querySelector(".badge");
          if (badge) { badge.className = "badge " + f.state; }
          var cancel = document.getElementById("cancel");
          if (cancel && f.state !== "scheduled") { cancel.remove(); }
          if (f.final) { box.dataset.final = "yes"; } else { setTimeout(poll, every); }
        })
        .catch(function () { setTimeout(poll, every * 2); });
    };
    setTimeout(poll, every);
  }
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
})();
