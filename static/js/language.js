// The language menu sends its form as soon as a language is chosen (the button shows without script).
document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
