/* The register form with JavaScript on: files picked, dropped or shot are listed, and the form is
   sent by XHR so that a progress bar can show the upload. Without JavaScript the plain form works. */
(function () {
  "use strict";
  var chosen = [];  // kept when the server shows the form again with messages

  // Sizes written as the server writes them (i18n.size_text): 607 字节 / 607 bytes, then KB, MB.
  function human(bytes) {
    var units = ["KB", "MB", "GB", "TB"], i = -1;
    if (bytes < 1024) { return bytes + (document.documentElement.lang === "en" ? " bytes" : " 字节"); }
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return bytes.toFixed(1) + " " + units[i];
  }

  function render(form) {
    var list = form.querySelector("[data-file-list]");
    list.textContent = "";
    chosen.forEach(function (file, index) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = file.name + " · " + human(file.size);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = form.dataset.removeLabel;
      remove.addEventListener("click", function () { chosen.splice(index, 1); render(form); });
      item.appendChild(name);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function add(form, files) {
    for (var i = 0; i < files.length; i += 1) { chosen.push(files[i]); }
    render(form);
  }

  function showPage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    if (!main) { return false; }
    document.querySelector("main").replaceWith(document.importNode(main, true));
    document.title = page.title;
    window.scrollTo(0, 0);
    return true;
  }

  function send(form, submitter) {
    var data = new FormData(form);
    data.delete("files");
    // FormData leaves out the button pressed; "register anyway" is told by its name.
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    chosen.forEach(function (file) { data.append("files", file, file.name); });
    var box = form.querySelector("[data-progress]");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var button = submitter || form.querySelector("button.primary");
    var xhr = new XMLHttpRequest();
    box.hidden = false;
    button.disabled = true;
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round(100 * event.loaded / event.total);
        text.textContent = bar.value + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(xhr.responseText).location);
      } else if (showPage(xhr.responseText)) {
        init();
        var summary = document.getElementById("error-summary");  // the form came back: say why
        if (summary) { summary.focus(); }
      }
    });
    xhr.addEventListener("error", function () {
      text.textContent = form.dataset.errorLabel;
      button.disabled = false;
    });
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.send(data);
  }

  function init() {
    var form = document.querySelector("form[data-upload]");
    var zone = form && form.querySelector("[data-dropzone]");
    if (!zone || !window.FormData || !window.DOMParser) { return; }
    form.querySelector("[data-drop-hint]").hidden = false;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { add(form, input.files); input.value = ""; });
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      add(form, event.dataTransfer.files);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form, event.submitter);
    });
    // The server holds the files it has just received: they need not be sent again.
    if (form.querySelector("[data-held]")) { chosen = []; }
    render(form);
  }

  init();
}());
