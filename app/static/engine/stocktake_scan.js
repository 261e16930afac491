/* 扫码盘点 (views/stocktake_scan.py): a scan or a tap is posted without leaving the page, so the camera keeps
   running; the answer updates the room's list and progress. The camera reads QR labels with jsQR
   (app/static/vendor/jsqr); a USB scanner types the code and Enter into the box like a keyboard. */
(function () {
  "use strict";
  var box = document.querySelector("form.stocktake-scan");
  if (!box) { return; }
  var input = box.querySelector("input[name=code]");
  var message = document.querySelector(".stocktake-message");

  function say(text, level) {
    message.className = "stocktake-message alert alert-" + (level || "info");
    message.textContent = text;
  }

  function rowOf(line) {
    return document.querySelector(".stocktake-lines [data-line='" + line.id + "']");
  }

  function show(answer) {
    say(answer.message, answer.level);
    if (answer.room) {
      document.querySelector(".stocktake-room-found").textContent = answer.room.found;
    }
    document.querySelector(".stocktake-all-found").textContent = answer.progress.found;
    var line = answer.line;
    if (!line) { return; }
    var row = rowOf(line);
    if (row) {
      row.classList.toggle("list-group-item-success", line.found);
      row.querySelector(".stocktake-state").textContent = line.state;
      var button = row.querySelector("button");
      if (button) {
        button.textContent = line.found ? "撤销" : "找到";
        button.className = "btn btn-sm " + (line.found ? "btn-default" : "btn-success");
      }
      return;
    }
    var extra = document.querySelector(".stocktake-extra");
    if (!extra.querySelector("[data-line='" + line.id + "']")) {
      var item = document.createElement("li");
      item.className = "list-group-item list-group-item-warning";
      item.setAttribute("data-line", line.id);
      var name = document.createElement("strong");
      name.textContent = line.label;
      var state = document.createElement("span");
      state.className = "stocktake-state";
      state.textContent = line.state + (line.book ? "　账面在 " + line.book : "");
      item.appendChild(name);
      item.appendChild(document.createElement("br"));
      item.appendChild(state);
      extra.insertBefore(item, extra.firstChild);
    }
  }

  function post(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    return fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        show(answer);
        if (answer.ok && navigator.vibrate) { navigator.vibrate(60); }
      })
      .catch(function () { say("网络不通，这一件没有记上，请再扫一次", "danger"); })
      .then(function () { if (button) { button.disabled = false; } });
  }

  box.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!input.value.trim()) { say("请扫描资产标签或输入资产编号", "warning"); return; }
    post(box).then(function () { input.value = ""; input.focus(); });
  });

  document.querySelectorAll("form.stocktake-tap").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); post(form); });
  });

  // ------------------------------------------------------------------ camera
  var camera = box.querySelector(".stocktake-camera");
  var video = box.querySelector(".stocktake-video");
  if (!camera || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  camera.hidden = false;
  var stream = null, canvas = document.createElement("canvas"), last = "", lastAt = 0;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
    camera.innerHTML = '<i class="fa fa-camera"></i> 用摄像头扫码';
  }

  function look() {
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", {willReadFrequently: true});
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data,
                              canvas.width, canvas.height, {inversionAttempts: "dontInvert"});
      var now = Date.now();
      if (found && found.data && (found.data !== last || now - lastAt > 3000)) {
        last = found.data;
        lastAt = now;
        input.value = found.data;
        post(box).then(function () { input.value = ""; });
      }
    }
    window.setTimeout(look, 200);
  }

  camera.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        video.play();
        camera.innerHTML = '<i class="fa fa-stop"></i> 停止扫码';
        look();
      })
      .catch(function () { say("无法打开摄像头：请允许本网站使用摄像头（须通过 https 访问），或用扫码枪、手工输入编号", "warning"); });
  });
})();
