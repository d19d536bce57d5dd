/* Broadcast history, one broadcast's report or live progress (refreshed every 2 s) with
 * the control card's Pause/Resume/Cancel, and its recipients (filter, search, CSV). */
(function () {
  "use strict";
  var H = window.Hsl;
  var h = H.h, fill = H.fill, t = H.t, num = H.num, day = H.day, when = H.when;
  var person = H.person, api = H.api, failed = H.failed, show = H.show, go = H.go;
  var periodSwitch = H.periodSwitch, pager = H.pager, sparkline = H.sparkline, bars = H.bars;
  var view = H.view;
  var PERIODS = ["7", "30", "90", "365", "all"];
  var stopLive = H.stopLive;

  view.broadcasts = function (state) {
    return api("broadcasts?page=" + ((state && state.page) || 0)).then(function (d) {
      show([
        d.items.map(function (b) {
          return h("div", { class: "row clickable", "data-broadcast": b.id, on: { click: function () { go("broadcast", { id: b.id }); } } },
            h("div", {}, h("div", { text: "#" + b.id + " · " + b.excerpt }),
              h("div", { class: "hint", text: when(b.started_at || b.created_at) + " · " + b.audience_name })),
            h("div", { class: "hint", style: "text-align:right" }, h("div", { text: b.status_name }),
              h("div", { text: num(b.successful) + " / " + num(b.total) })));
        }),
        pager(d.page, d.pages, function (n) { go("broadcasts", { page: n }); }),
      ]);
    });
  };

  view.broadcast = function (state) {
    var filter = { status: "", q: "", page: 0 };
    var recipientsBox = h("div", { id: "recipients" });
    var head = h("div");

    function renderHead(d) {
      var b = d.broadcast, c = d.counts;
      var settled = c.sent + c.failed + c.deleted + c.cancelled;
      var pct = b.total ? Math.round((100 * settled) / b.total) : 100;
      var controls = b.actions.map(function (action) {
        return h("button", { class: "btn" + (action === "cancel" ? " danger" : ""), "data-control": action, text: t(action),
          on: { click: function () { control(action, d); } } });
      });
      fill(head, 
        h("button", { class: "link", text: t("back"), on: { click: function () { go("broadcasts"); } } }),
        h("h2", { text: "#" + b.id + " · " + b.excerpt }),
        h("div", { class: "hint", text: b.audience_name + " · " + when(b.started_at || b.created_at) }),
        h("div", { class: "row" }, h("span", { text: t("status") }), h("b", { "data-figure": "broadcast-status", "data-status": b.status, text: b.status_name })),
        h("div", { class: "bar" }, h("div", { style: "width:" + pct + "%" })),
        h("div", { class: "grid", style: "margin-top:8px" },
          [["sent", c.sent], ["failed", c.failed], ["pending", c.pending], ["deleted", c.deleted]].map(function (pair) {
            return h("div", { class: "card" }, h("div", { class: "label", text: t(pair[0]) }),
              h("div", { class: "value", "data-figure": "count-" + pair[0], text: num(pair[1]) }));
          })),
        d.progress && d.progress.rate ? h("div", { class: "hint", text: t("rate", { rate: d.progress.rate.toFixed(1) }) + (d.progress.eta_s ? " · " + t("eta", { s: Math.round(d.progress.eta_s) }) : "") }) : null,
        d.reasons.length ? h("div", { class: "notice" }, d.reasons.map(function (r) { return h("div", { text: r.name + ": " + num(r.n) }); })) : null,
        controls.length ? h("div", { class: "btns" }, controls) : null);
    }

    function control(action, d) {
      function run() {
        api("broadcasts/" + state.id + "/" + action, { method: "POST" }).then(function (r) {
          renderHead(r);
          if (!r.done) head.appendChild(h("div", { class: "notice bad", "data-result": "refused", text: t("refused", { status: r.broadcast.status_name }) }));
          schedule(r);
        }).catch(failed);
      }
      if (action === "cancel") {  // asked first, as the chat's card asks (no refresh meanwhile)
        stopLive();
        var question = h("div", { class: "notice", "data-question": "cancel" },
          h("div", { text: t("cancel_confirm", { id: state.id, pending: num(d.counts.pending) }) }),
          h("div", { class: "btns" },
            h("button", { class: "btn danger", "data-action": "cancel-yes", text: t("confirm"), on: { click: function () { question.remove(); run(); } } }),
            h("button", { class: "btn secondary", text: t("dismiss"), on: { click: function () { question.remove(); schedule(d); } } })));
        head.appendChild(question);
      } else {
        run();
      }
    }

    function schedule(d) {
      stopLive();
      if (d.broadcast.status === "sending" || d.broadcast.status === "paused") {
        H.setLive(setTimeout(refresh, 2000));
      }
    }

    function refresh() {
      api("broadcasts/" + state.id).then(function (d) {
        if (d.__status !== 200) return;
        renderHead(d);
        schedule(d);
        // The list moves with the counts (else "sent 14" stands above rows still "pending"),
        // except while the admin is typing a search or choosing a filter in it.
        if (!recipientsBox.contains(document.activeElement)) return loadRecipients();
      }).catch(failed);
    }

    function loadRecipients() {
      var query = "broadcasts/" + state.id + "/recipients?page=" + filter.page +
        "&status=" + encodeURIComponent(filter.status) + "&q=" + encodeURIComponent(filter.q);
      return api(query).then(function (r) {
        var select = h("select", { name: "status", on: { change: function (ev) { filter.status = ev.target.value; filter.page = 0; loadRecipients(); } } },
          [["", t("all_states")]].concat(["sent", "failed", "pending", "deleted"].map(function (s) { return [s, t(s)]; })).map(function (o) {
            return h("option", { value: o[0], selected: o[0] === filter.status ? "selected" : null, text: o[1] });
          }));
        var typed = recipientsBox.querySelector("input[name=q]");  // a refresh keeps unsent words
        var input = h("input", { type: "search", name: "q", value: typed ? typed.value : filter.q, placeholder: t("search") });
        fill(recipientsBox, 
          h("h2", {}, t("recipients") + " · ", h("span", { "data-figure": "recipients-total", text: num(r.total) + (r.more ? "+" : "") })),
          h("form", { class: "search", on: { submit: function (ev) { ev.preventDefault(); filter.q = input.value; filter.page = 0; loadRecipients(); } } }, select, input),
          h("div", { class: "btns" }, h("button", { class: "btn secondary", "data-action": "csv", text: t("csv"), on: { click: download } })),
          h("div", { class: "scroll" }, h("table", {},
            h("thead", {}, h("tr", {}, h("th", { text: "id" }), h("th", { text: "@" }), h("th", { text: t("status") }), h("th", { text: t("reason") }))),
            h("tbody", {}, r.recipients.map(function (p) {
              return h("tr", { "data-recipient": p.user_id, "data-status": p.status }, h("td", { text: p.user_id }), h("td", { text: p.username ? "@" + p.username : "" }),
                h("td", { text: t(p.status) }), h("td", { text: p.reason_name }));
            })))),
          pager(r.page, r.pages, function (n) { filter.page = n; loadRecipients(); }));
      });
    }

    function download() {
      api("broadcasts/" + state.id + "/csv", { raw: true }).then(function (response) { return response.blob(); }).then(function (blob) {
        var a = h("a", { href: URL.createObjectURL(blob), download: "broadcast_" + state.id + ".csv" });
        document.body.appendChild(a); a.click(); a.remove();
      }).catch(failed);
    }

    return api("broadcasts/" + state.id).then(function (d) {
      if (d.__status !== 200) { failed(); return; }
      show([head, recipientsBox]);
      renderHead(d);
      schedule(d);
      return loadRecipients();
    });
  };

})();
