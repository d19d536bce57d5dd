/* A tiny stand-in for telegram-web-app.js (no CDN): initData and theme for the page.
 *
 * Inside Telegram, a client that injected window.Telegram.WebApp is used as it is. Otherwise
 * the values come from the URL fragment the way Telegram passes them to a Mini App
 * (#tgWebAppData=...&tgWebAppThemeParams=...), which is also how the sandbox link works.
 * initData stays in memory only: no cookie, no storage that outlives it.
 */
(function () {
  "use strict";
  var injected = window.Telegram && window.Telegram.WebApp;
  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));

  function parseJson(text) {
    try {
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  var initData = (injected && injected.initData) || fragment.get("tgWebAppData") || "";
  var theme =
    (injected && injected.themeParams && Object.keys(injected.themeParams).length
      ? injected.themeParams
      : parseJson(fragment.get("tgWebAppThemeParams"))) || {};
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var scheme = (injected && injected.colorScheme) || (dark ? "dark" : "light");

  function applyTheme(params) {
    var root = document.documentElement;
    Object.keys(params || {}).forEach(function (key) {
      root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), params[key]);
    });
    root.dataset.scheme = scheme;
  }

  applyTheme(theme);
  if (injected && injected.onEvent) {
    injected.onEvent("themeChanged", function () {
      scheme = injected.colorScheme || scheme;
      applyTheme(injected.themeParams);
    });
  }

  // Without telegram-web-app.js, speak the clients' small event protocol ourselves: tell the
  // client the page is ready, and follow theme changes it sends.
  function postEvent(type, data) {
    var body = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy && window.TelegramWebviewProxy.postEvent) {
        window.TelegramWebviewProxy.postEvent(type, body);
      } else if (window.external && "notify" in window.external) {
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      } else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
      }
    } catch (e) {
      /* not inside a Telegram client: nothing to tell */
    }
  }

  function received(type, data) {
    if (type === "theme_changed" && data && data.theme_params) applyTheme(data.theme_params);
  }

  if (!injected) {
    window.Telegram = window.Telegram || {};
    window.Telegram.WebView = window.Telegram.WebView || { receiveEvent: received };
    window.addEventListener("message", function (ev) {
      try {
        var message = JSON.parse(ev.data);
        received(message.eventType, message.eventData);
      } catch (e) {
        /* not a client event */
      }
    });
  }

  window.HslTelegram = {
    initData: initData,
    theme: theme,
    scheme: scheme,
    inTelegram: Boolean(injected && injected.initData),
    ready: function () {
      if (injected && injected.ready) {
        injected.ready();
        if (injected.expand) injected.expand();
      } else {
        postEvent("web_app_ready");
        postEvent("web_app_expand");
      }
    },
  };
})();
