/* Keeps what was typed in a long form (data-draft) for this browser tab, so that a session that
   expired in the middle of the form, or a lost connection, does not lose the user's work.
   sessionStorage, not localStorage: nothing stays behind on a shared computer once the tab closes. */
(function () {
  'use strict';
  var PREFIX = 'capture-draft:';
  var PENDING = 'capture-draft-pending';

  function fieldsOf(form) {
    return form.querySelectorAll('input:not([type=password]):not([type=file]):not([type=hidden]):not([type=submit]), select, textarea');
  }

  function save(form, key) {
    var data = {};
    fieldsOf(form).forEach(function (el) {
      if (!el.name) { return; }
      data[el.name] = (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value;
    });
    sessionStorage.setItem(key, JSON.stringify(data));
  }

  function restore(form, key) {
    var saved = sessionStorage.getItem(key);
    if (!saved) { return false; }
    var data = JSON.parse(saved);
    fieldsOf(form).forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === 'checkbox' || el.type === 'radio') { el.checked = data[el.name]; }
      else { el.value = data[el.name]; }
    });
    return true;
  }

  // A form sent back: its summary of problems takes the focus, and each of its links puts the
  // cursor in the field it names (a bare anchor would only scroll there).
  var summary = document.getElementById('error-summary');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      var target = link && document.getElementById(link.getAttribute('href').slice(1));
      if (!target) { return; }
      event.preventDefault();
      target.scrollIntoView({ block: 'center' });
      target.focus();
    });
  }

  // A success message means the last submitted draft was saved by the server: forget it.
  if (document.querySelector('.flash-success')) {
    var done = sessionStorage.getItem(PENDING);
    if (done) { sessionStorage.removeItem(done); sessionStorage.removeItem(PENDING); }
  }

  document.querySelectorAll('form[data-draft]').forEach(function (form) {
    var key = PREFIX + location.pathname;
    // A page showing field errors already carries the input from the server.
    if (!form.querySelector('.error') && restore(form, key) && form.dataset.draftNotice) {
      var note = document.createElement('div');
      note.className = 'flash flash-info';
      note.setAttribute('role', 'status');
      note.textContent = form.dataset.draftNotice;
      form.parentNode.insertBefore(note, form);
    }
    form.addEventListener('input', function () { save(form, key); });
    form.addEventListener('change', function () { save(form, key); });
    form.addEventListener('submit', function () { save(form, key); sessionStorage.setItem(PENDING, key); });
  });

  // A long request (an import, a check): say that it is under way and stop a second click.
  document.querySelectorAll('form[data-busy]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var note = document.createElement('p');
      note.className = 'busy';
      note.setAttribute('role', 'status');
      note.textContent = form.dataset.busy;
      note.appendChild(document.createElement('progress'));  // no value: an indeterminate bar
      form.appendChild(note);
      // After this event the form's data is already taken, so disabling loses nothing.
      setTimeout(function () {
        form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
}());
