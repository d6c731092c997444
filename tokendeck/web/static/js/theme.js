// Light/dark theme: follows the system unless the learner picked one (remembered locally).
// Loaded in <head> (not deferred) so the page never flashes the wrong theme.
(function () {
  const saved = localStorage.getItem("tokendeck-theme");
  if (saved) document.documentElement.dataset.theme = saved;
  document.addEventListener("DOMContentLoaded", function () {
    const button = document.getElementById("theme-toggle");
    if (!button) return;
    const isDark = () =>
      (document.documentElement.dataset.theme ||
        (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light")) === "dark";
    const show = () => {
      button.setAttribute("aria-pressed", String(isDark()));
    };
    button.addEventListener("click", function () {
      const next = isDark() ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      localStorage.setItem("tokendeck-theme", next);
      show();
    });
    show();
  });
})();
