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
})();
