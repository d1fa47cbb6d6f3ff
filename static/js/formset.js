// Add a row to a Django formset in place: the <template> holds the empty form with
// __prefix__ in its names; each new row takes the next index and TOTAL_FORMS follows.
(function () {
  "use strict";
  var button = document.getElementById("add-rule");
  var template = document.getElementById("rule-template");
  var rows = document.getElementById("rule-rows");
  if (!button || !template || !rows) { return; }
  var prefix = button.dataset.prefix;
  var total = document.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
  var max = document.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) { return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = rows.lastElementChild.querySelector("input, select");
    if (first) { first.focus(); }
  });
})();
