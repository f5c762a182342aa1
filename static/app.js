// Tollgate's pages work without this script; it only adds conveniences.
//
// Copy buttons. Two ways to ask for one:
//   <code id="client-secret" data-copy>…</code>
//       gets a "Copy" button after it that copies its text;
//   <button type="button" data-copy="#client-secret" hidden>Copy secret</button>
//       is shown and copies the text of the element the selector names.
// The button says "Copied" for a moment and a polite live region tells
// screen readers. Without the script the text stays selectable as before.
"use strict";

(function () {
  function textOf(target) {
    var field = target.tagName === "INPUT" || target.tagName === "TEXTAREA";
    return field ? target.value : target.textContent.trim();
  }

  function selectContents(target) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(target) {
    var text = textOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http off loopback: no clipboard API; select the text and ask the
    // browser to copy the selection.
    selectContents(target);
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function wire(button, target) {
    var label = button.textContent;
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    button.addEventListener("click", function () {
      copy(target).then(
        function () {
          button.textContent = "Copied";
          status.textContent = "Copied to the clipboard.";
        },
        function () {
          selectContents(target);
          status.textContent = "Select the text and copy it yourself.";
        }
      );
      window.setTimeout(function () {
        button.textContent = label;
        status.textContent = "";
      }, 2000);
    });
    button.hidden = false;
  }

  function init() {
    document.querySelectorAll("[data-copy]").forEach(function (element) {
      if (element.tagName === "BUTTON") {
        var target = document.querySelector(element.getAttribute("data-copy"));
        if (target) {
          wire(element, target);
        }
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      if (element.id) {
        button.id = element.id + "-copy";
      }
      element.insertAdjacentElement("afterend", button);
      wire(button, element);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
