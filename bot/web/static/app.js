/* The admin Mini App: plain JS, no build step, no CDN. This file: tabs, navigation (the view
 * and its state in the query string, so a page can be linked and reloaded) and start-up.
 * Figures carry data-figure attributes so the browser tests can read them. */
(function () {
  "use strict";
  var H = window.Hsl;
  var h = H.h, t = H.t, api = H.api, failed = H.failed, denied = H.denied;
  var stopLive = H.stopLive;
  var view = H.view, main = H.main, TG = H.TG;
  var tabs = document.getElementById("tabs");
  var VIEWS = [
    "overview", "growth", "daily", "courses", "funnel", "retention", "leads", "people",
    "broadcasts",
  ];

  // navigation -----------------------------------------------------------------------------

  var TAB_OF = { stream: "courses", person: "people", broadcast: "broadcasts" };

  function navigate(name, state, replace) {
    stopLive();
    var params = new URLSearchParams({ view: name });
    Object.keys(state || {}).forEach(function (k) { if (state[k] !== "" && state[k] !== undefined) params.set(k, state[k]); });
    var url = "?" + params.toString() + window.location.hash;
    if (replace) history.replaceState({ name: name, state: state }, "", url);
    else history.pushState({ name: name, state: state }, "", url);
    render(name, state || {});
  }

  function render(name, state) {
    var tab = TAB_OF[name] || name;
    Array.prototype.forEach.call(tabs.children, function (b) {
      b.setAttribute("aria-selected", b.dataset.view === tab ? "true" : "false");
    });
    main.dataset.view = name;
    main.dataset.loaded = "false";
    (view[name] || view.overview)(state).then(function () {
      main.dataset.loaded = "true";
    }).catch(failed);
  }

  window.addEventListener("popstate", function (ev) {
    if (ev.state) { stopLive(); render(ev.state.name, ev.state.state || {}); }
  });

  function start() {
    TG.ready();
    if (!TG.initData) { denied(); return; }
    api("me").then(function (me) {
      H.setTexts(me.texts, me.language);
      document.documentElement.lang = me.language;
      document.getElementById("title").textContent = me.texts.title;
      document.title = me.texts.title;
      VIEWS.forEach(function (name) {
        tabs.appendChild(h("button", { role: "tab", "data-view": name, text: t("tab_" + name), on: { click: function () { go(name, {}); } } }));
      });
      var params = new URLSearchParams(window.location.search);
      var name = params.get("view") || "overview";
      var state = {};
      params.forEach(function (value, key) { if (key !== "view") state[key] = value; });
      go(view[name] ? name : "overview", state, true);
    }).catch(failed);
  }

  H.navigate = navigate;
  function go(name, state, replace) { return navigate(name, state, replace); }

  start();
})();
