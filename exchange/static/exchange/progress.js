// Import progress: poll the batch's status endpoint and update the bar; reload when finished.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var done = box.querySelector("[data-done]");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        done.textContent = data.done_rows;
        if (["checking", "queued", "running"].indexOf(data.status) < 0) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
