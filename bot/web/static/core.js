/* The Mini App's toolkit: DOM and SVG helpers, phrases, numbers, the API client (every
 * request carries initData: Authorization: tma …), period switches and pagers. The views
 * (views.js, bookings.js, broadcasts.js) and the navigation (app.js) build on window.Hsl. */
(function () {
  "use strict";
  var TG = window.HslTelegram;
  var T = {};
  var LANG = "ru";
  var main = document.getElementById("main");
  var live = null; // the timer refreshing a running broadcast

  // helpers ------------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "on") {
        Object.keys(value).forEach(function (ev) { el.addEventListener(ev, value[ev]); });
      } else if (key === "text") {
        el.textContent = value;
      } else {
        el.setAttribute(key, value);
      }
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function fill(el) {
    el.replaceChildren();
    for (var i = 1; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function svg(tag, attrs) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }

  function t(key, fields) {
    var text = T[key] || key;
    Object.keys(fields || {}).forEach(function (f) { text = text.split("{" + f + "}").join(fields[f]); });
    return text;
  }

  function num(n) { return new Intl.NumberFormat(LANG === "ru" ? "ru-RU" : "en-US").format(n || 0); }

  function day(iso) {
    if (!iso) return "—";
    var d = iso.slice(0, 10).split("-");
    return d[2] + "." + d[1] + "." + d[0];
  }

  function when(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    return d.toLocaleString(LANG === "ru" ? "ru-RU" : "en-GB", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
  }

  function person(p) {
    var parts = [];
    if (p.first_name) parts.push(p.first_name);
    if (p.username) parts.push("@" + p.username);
    return parts.join(" ") || "id " + p.user_id; // as the chat names someone nameless
  }

  function api(path, options) {
    options = options || {};
    var headers = { Authorization: "tma " + TG.initData };
    if (options.body) headers["Content-Type"] = "application/json";
    return fetch("api/" + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      cache: "no-store",
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        denied();
        throw new Error("denied");
      }
      if (options.raw) return response;
      return response.json().then(function (data) {
        data.__status = response.status;
        return data;
      });
    });
  }

  function denied() {
    stopLive();
    fill(main, h("div", { class: "notice bad", id: "denied" }, T.denied || "Нет доступа · No access"));
  }

  function failed(error) {
    if (error && error.message === "denied") return;
    fill(main, h("div", { class: "notice bad" }, t("error")));
  }

  function stopLive() {
    if (live) { clearTimeout(live); live = null; }
  }

  function show(nodes) {
    fill(main);
    append(main, nodes);
  }

  function periodSwitch(current, choices, onPick) {
    return h("div", { class: "switch", role: "group" }, choices.map(function (p) {
      return h("button", {
        class: p === current ? "on" : null,
        "data-period": p,
        text: p === "all" ? t("period_all") : p + " " + t("days_short"),
        on: { click: function () { onPick(p); } },
      });
    }));
  }

  function pager(page, pages, go) {
    if (pages <= 1) return null;
    return h("div", { class: "pager" },
      h("button", { class: "btn secondary", disabled: page <= 0 ? "disabled" : null, text: t("prev"),
        on: { click: function () { go(page - 1); } } }),
      h("span", { class: "hint", text: t("page", { n: page + 1, of: pages }) }),
      h("button", { class: "btn secondary", disabled: page >= pages - 1 ? "disabled" : null, text: t("next"),
        on: { click: function () { go(page + 1); } } }));
  }

  // charts: inline SVG ---------------------------------------------------------------------

  function sparkline(values) {
    var w = 100, ht = 30;
    var max = Math.max.apply(null, values.concat([1]));
    var step = values.length > 1 ? w / (values.length - 1) : w;
    var points = values.map(function (v, i) {
      return (i * step).toFixed(1) + "," + (ht - (v / max) * (ht - 2) - 1).toFixed(1);
    }).join(" ");
    return svg("svg", { class: "spark", viewBox: "0 0 100 30", preserveAspectRatio: "none" },
      svg("polyline", { points: points, "vector-effect": "non-scaling-stroke" }));
  }

  function bars(values, labels, line) {
    var w = 320, ht = 150, pad = 16;
    var max = Math.max.apply(null, values.concat(line || []).concat([1]));
    var lineMax = line ? Math.max.apply(null, line.concat([1])) : 1;
    var bw = (w - 2) / Math.max(values.length, 1);
    var chart = svg("svg", { class: "chart", viewBox: "0 0 " + w + " " + (ht + pad), role: "img" });
    values.forEach(function (v, i) {
      var bh = (v / (line ? Math.max.apply(null, values.concat([1])) : max)) * (ht - 4);
      chart.appendChild(svg("rect", {
        x: (1 + i * bw).toFixed(1), y: (ht - bh).toFixed(1),
        width: Math.max(bw - 1, 0.6).toFixed(1), height: bh.toFixed(1),
      }));
    });
    if (line) {
      var pts = line.map(function (v, i) {
        return (1 + i * bw + bw / 2).toFixed(1) + "," + (ht - (v / lineMax) * (ht - 4)).toFixed(1);
      }).join(" ");
      chart.appendChild(svg("polyline", { points: pts }));
    }
    if (labels.length) {
      var first = svg("text", { x: 1, y: ht + 12 }); first.textContent = labels[0];
      var last = svg("text", { x: w - 1, y: ht + 12, "text-anchor": "end" });
      last.textContent = labels[labels.length - 1];
      chart.appendChild(first); chart.appendChild(last);
    }
    return chart;
  }


  function setLive(timer) { live = timer; }

  function setTexts(texts, language) { T = texts; LANG = language; }

  function go(name, state, replace) { return window.Hsl.navigate(name, state, replace); }

  window.Hsl = {
    TG: TG, main: main, view: {}, navigate: null,
    h: h, append: append, fill: fill, svg: svg, t: t, num: num, day: day, when: when,
    person: person, api: api, denied: denied, failed: failed, stopLive: stopLive,
    setLive: setLive, setTexts: setTexts, show: show, periodSwitch: periodSwitch,
    pager: pager, sparkline: sparkline, bars: bars, go: go,
    texts: function () { return T; },
  };
})();
