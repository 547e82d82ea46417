/* The phone's menu: a real button that says whether the navigation is open (aria-expanded).
   Without JavaScript the button stays hidden and the navigation stays open. */
(function () {
  'use strict';
  var button = document.querySelector('.menu-button');
  if (!button) { return; }
  document.documentElement.classList.add('has-menu');
  button.hidden = false;
  button.addEventListener('click', function () {
    button.setAttribute('aria-expanded', String(button.getAttribute('aria-expanded') !== 'true'));
  });
}());
