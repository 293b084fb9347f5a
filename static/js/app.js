/*
 * MNR Self-Assessment: small page behaviours. Loaded (deferred) after
 * htmx.min.js and bootstrap.bundle.min.js. No inline scripts anywhere: the
 * Content-Security-Policy forbids them, so all behaviour lives here.
 */
(function () {
  "use strict";

  /* Validation errors (422) and edit conflicts (409) come back with a message:
     let htmx swap them into the target like a normal response. */
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr && evt.detail.xhr.status;
    if (status === 422 || status === 409) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  /* The #save-status element inside the form that made the request, or the
     page's #save-status. */
  function findSaveStatus(elt) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    var status = form ? form.querySelector("#save-status") : null;
    return status || document.getElementById("save-status");
  }

  /* Show an error whose wording comes from the server-rendered element
     (data-error-network / data-error-server), so it stays translatable. */
  function showError(evt, attribute) {
    var elt = evt.detail && (evt.detail.elt || (evt.detail.requestConfig && evt.detail.requestConfig.elt));
    var status = findSaveStatus(elt || evt.target);
    if (!status) {
      return;
    }
    var message = status.getAttribute(attribute) || status.getAttribute("data-error-server");
    if (message) {
      status.textContent = message;
    }
    status.classList.add("error");
  }

  document.addEventListener("htmx:sendError", function (evt) {
    showError(evt, "data-error-network");
  });

  document.addEventListener("htmx:responseError", function (evt) {
    showError(evt, "data-error-server");
  });

  /* A swapped-in save status: red after a refused save (422), plain after a good one. */
  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail && evt.detail.target;
    if (!target || target.id !== "save-status") {
      return;
    }
    var status = evt.detail.xhr && evt.detail.xhr.status;
    target.classList.toggle("error", status === 422 || status === 409);
  });

  /* Autosave (forms marked data-autosave, data-hx-trigger="autosave, submit").
     Arrowing through radios fires a change for every option passed, and each
     save is a version and a history entry: so a radio change waits until the
     choice settles (SETTLE_MS without another change, or focus leaving the
     radio group), while any other change saves at once. A pending save is
     never dropped: a submit carries it, and leaving the page sends it. */
  var SETTLE_MS = 800;
  var pending = new Map(); // form -> timer id

  function saveNow(form) {
    var timer = pending.get(form);
    if (timer !== undefined) {
      window.clearTimeout(timer);
      pending.delete(form);
    }
    htmx.trigger(form, "autosave");
  }

  function autosaveForm(elt) {
    var form = elt && elt.closest ? elt.closest("form[data-autosave]") : null;
    return form;
  }

  document.addEventListener("change", function (evt) {
    var form = autosaveForm(evt.target);
    if (!form) {
      return;
    }
    if (evt.target.type !== "radio") {
      saveNow(form);
      return;
    }
    var timer = pending.get(form);
    if (timer !== undefined) {
      window.clearTimeout(timer);
    }
    pending.set(form, window.setTimeout(function () {
      saveNow(form);
    }, SETTLE_MS));
  });

  /* Leaving a radio group (Tab, or a click elsewhere) settles the choice. */
  document.addEventListener("focusout", function (evt) {
    var form = autosaveForm(evt.target);
    if (!form || evt.target.type !== "radio" || !pending.has(form)) {
      return;
    }
    var next = evt.relatedTarget;
    if (next && next.type === "radio" && next.name === evt.target.name) {
      return;
    }
    saveNow(form);
  });

  /* The submit itself carries every field: the pending save is not needed. */
  document.addEventListener("submit", function (evt) {
    var timer = pending.get(evt.target);
    if (timer !== undefined) {
      window.clearTimeout(timer);
      pending.delete(evt.target);
    }
  }, true);

  /* A table wider than its box scrolls inside it (app.css); a keyboard user
     must be able to focus the box to scroll it (WCAG 2.1.1, axe's
     scrollable-region-focusable). Only boxes that do scroll take a tab stop. */
  var SCROLLERS = ".table-scroll, .table-responsive, .matrix-wrap, main table.table";

  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }

  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.addEventListener("htmx:afterSettle", focusableScrollers);

  /* Leaving the page while a choice waits: send it with keepalive, which
     outlives the page (an htmx request would be cancelled). */
  window.addEventListener("pagehide", function () {
    pending.forEach(function (timer, form) {
      window.clearTimeout(timer);
      fetch(form.getAttribute("data-hx-post") || form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        keepalive: true
      });
    });
    pending.clear();
  });
})();
