/* The school's pages: overview, growth, daily, courses and streams, funnel, retention,
 * leads, people search and a person's card (its bookings: bookings.js). */
(function () {
  "use strict";
  var H = window.Hsl;
  var h = H.h, fill = H.fill, t = H.t, num = H.num, day = H.day, when = H.when;
  var person = H.person, api = H.api, failed = H.failed, show = H.show, go = H.go;
  var periodSwitch = H.periodSwitch, pager = H.pager, sparkline = H.sparkline, bars = H.bars;
  var view = H.view;
  var PERIODS = ["7", "30", "90", "365", "all"];

  // A figure with a sparkline; `moved` is what changed, in /stats's words ("" when nothing
  // did: /stats says nothing then, and the line stays blank so the cards line up).
  function figureCard(labelKey, value, moved, figure, spark, wide) {
    return h("div", { class: wide ? "card wide" : "card" },
      h("div", { class: "label", text: t(labelKey) }),
      h("div", { class: "value", "data-figure": figure, text: num(value) }),
      moved === null ? null : h("div", { class: "delta", text: moved || "\u00a0" }),
      spark ? sparkline(spark) : null);
  }

  function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }

  // /stats's line on who the course bot cannot reach, as broadcasts found it: each part's
  // words come from the chat with {n} where its figure goes.
  function reachLine(reach) {
    return h("div", { class: "notice", "data-figure": "reach" }, reach.title + " ",
      reach.parts.map(function (part, i) {
        var words = part.text.split("{n}");
        return [i ? " · " : null, words[0],
          h("b", { "data-figure": "reach-" + part.figure, text: num(part.n) }), words.slice(1).join(""),
          part.moved ? " (" + part.moved + ")" : null];
      }));
  }

  view.overview = function () {
    return api("overview").then(function (d) {
      var s = d.stats, spark = d.spark;
      var nodes = [
        h("div", { class: "grid" },
          figureCard("users", s.users.total, d.moved.users, "users-total", spark.new_users),
          figureCard("signups", s.registrations.total, d.moved.registrations, "registrations", spark.registrations)),
        h("h2", { text: t("by_status") }),
        s.statuses.map(function (pair) {
          var moved = d.moved.statuses[String(pair[0])];
          return h("div", { class: "row" },
            h("div", {}, h("div", { text: d.status_names[String(pair[0])] }),
              moved ? h("div", { class: "hint", text: moved }) : null),
            h("b", { "data-figure": "status-" + pair[0], text: num(pair[1].total) }));
        }),
        d.reach ? reachLine(d.reach) : null,
      ];
      // /stats's last broadcast: where it stands and what reached people, in its words
      if (d.last_broadcast) {
        nodes.push(h("h2", { text: t("last_broadcast") }),
          h("div", { class: "notice", "data-figure": "last-broadcast" },
            h("div", { class: "hint", text: when(s.last_broadcast.sent_at) }),
            h("div", { text: d.last_broadcast.text }),
            h("div", { class: "hint", "data-figure": "last-broadcast-outcome", text: d.last_broadcast.outcome })));
      }
      // after /stats's lines, what they cannot say: how bookings, payments and activity went
      // over the last 30 days (flows, not the totals above)
      nodes.push(h("div", { class: "grid", style: "margin-top:12px" },
        figureCard("spark_bookings", sum(spark.bookings), null, "bookings-30", spark.bookings),
        figureCard("spark_confirmations", sum(spark.confirmations), null, "confirmations-30", spark.confirmations),
        figureCard("spark_events", sum(spark.events), null, "events-30", spark.events, true)));
      show(nodes);
    });
  };

  view.growth = function (state) {
    var period = (state && state.period) || "30";
    return api("growth?days=" + period).then(function (d) {
      show([
        periodSwitch(period, PERIODS, function (p) { go("growth", { period: p }); }),
        h("div", { class: "grid" },
          h("div", { class: "card" }, h("div", { class: "label", text: t("new_users") }),
            h("div", { class: "value", "data-figure": "growth-new", text: num(d.new_users) })),
          h("div", { class: "card" }, h("div", { class: "label", text: t("total") }),
            h("div", { class: "value", "data-figure": "growth-total", text: num(d.total) }))),
        bars(d.days.map(function (x) { return x.new_users; }), d.days.length ? [day(d.days[0].day), day(d.days[d.days.length - 1].day)] : [],
          d.days.map(function (x) { return x.total; })),
      ]);
    });
  };

  view.daily = function (state) {
    var period = (state && state.period) || "30";
    return api("daily?days=" + period).then(function (d) {
      var rows = d.rows.slice().reverse();
      show([
        periodSwitch(period, PERIODS.slice(0, 4), function (p) { go("daily", { period: p }); }),
        h("div", { class: "grid" }, d.series.map(function (s) {
          return h("div", { class: "card" }, h("div", { class: "label", text: t(s) }),
            h("div", { class: "value", "data-figure": "daily-" + s, text: num(d.totals[s]) }),
            sparkline(d.rows.map(function (r) { return r[s]; })));
        })),
        h("div", { class: "scroll" }, h("table", {},
          h("thead", {}, h("tr", {}, h("th", { text: t("day") }), d.series.map(function (s) { return h("th", { class: "num", text: t(s) }); }))),
          h("tbody", {}, rows.map(function (r) {
            return h("tr", {}, h("td", { text: day(r.day) }), d.series.map(function (s) { return h("td", { class: "num", text: num(r[s]) }); }));
          })))),
      ]);
    });
  };

  view.courses = function () {
    return api("streams").then(function (d) {
      show(d.streams.map(function (s) {
        return h("div", { class: "row clickable", "data-stream": s.key, on: { click: function () { go("stream", { key: s.key, page: 0 }); } } },
          h("div", {}, h("div", { text: s.course_name + " · " + s.stream_name + (s.current ? " · " + t("current") : "") }),
            h("div", { class: "hint", text: s.counts.map(function (c) { return d.status_names[String(c[0])] + ": " + num(c[1]); }).join(" · ") })),
          h("b", { "data-figure": "stream-total", text: num(s.total) }));
      }));
    });
  };

  // A stream's two lists, as the chat has them: who booked it (status, last active), and for
  // a current stream who viewed the programme without booking it (when); the heading and the
  // switch's labels are the chat's words.
  view.stream = function (state) {
    var list = state.list ? "&list=" + encodeURIComponent(state.list) : "";
    return api("streams/" + encodeURIComponent(state.key) + "?page=" + (state.page || 0) + list).then(function (d) {
      if (d.__status !== 200) { failed(); return; }
      function open(page, which) {
        go("stream", { key: state.key, page: page, list: which === "viewers" ? which : "" });
      }
      show([
        h("button", { class: "link", text: t("back"), on: { click: function () { go("courses"); } } }),
        h("h2", { text: d.stream.course_name + " · " + d.stream.stream_name + (d.stream.current ? " · " + t("current") : "") }),
        d.lists.length ? h("div", { class: "switch", role: "group" }, d.lists.map(function (l) {
          return h("button", { class: l.list === d.list ? "on" : null, "data-list": l.list,
            "aria-pressed": l.list === d.list ? "true" : "false", text: l.name,
            on: { click: function () { open(0, l.list); } } });
        })) : null,
        h("div", { class: "hint heading", "data-figure": "students-heading", text: d.heading }),
        d.students.length ? d.students.map(function (p) {
          return h("div", { class: "row clickable", "data-person": p.user_id, on: { click: function () { go("person", { id: p.user_id }); } } },
            h("span", { text: person(p) }),
            d.viewers
              ? h("span", { class: "hint", text: when(p.viewed_at) })
              : h("span", { class: "hint end" }, h("div", { text: d.status_names[String(p.status)] }), h("div", { text: when(p.last_seen_at) })));
        }) : h("div", { class: "notice", text: d.empty }),
        pager(d.page, d.pages, function (n) { open(n, d.list); }),
      ]);
    });
  };

  view.funnel = function (state) {
    var period = (state && state.period) || "30";
    return api("funnel?days=" + period).then(function (d) {
      var top = d.steps.length ? Math.max(d.steps[0][1], 1) : 1;
      show([
        periodSwitch(period, PERIODS.slice(0, 4), function (p) { go("funnel", { period: p }); }),
        d.steps.map(function (step, i) {
          var prev = i ? d.steps[i - 1][1] : 0;
          return h("div", { style: "margin:10px 0" },
            h("div", { class: "row", style: "border:0;padding:0" }, h("span", { text: d.step_names[step[0]] }),
              h("b", { "data-figure": "funnel-" + step[0], text: num(step[1]) + (i && prev ? " (" + Math.round((100 * step[1]) / prev) + "%)" : "") })),
            h("div", { class: "bar" }, h("div", { style: "width:" + ((100 * step[1]) / top).toFixed(1) + "%" })));
        }),
      ]);
    });
  };

  view.retention = function () {
    return api("retention").then(function (d) {
      var weeks = d.cohorts.reduce(function (m, c) { return Math.max(m, c.active.length); }, 0);
      var head = [h("th", { text: t("cohort") }), h("th", { class: "num", text: t("size") })];
      for (var i = 0; i < weeks; i++) head.push(h("th", { class: "num", text: String(i) }));
      show(h("div", { class: "scroll" }, h("table", { class: "heat" },
        h("thead", {}, h("tr", {}, head)),
        h("tbody", {}, d.cohorts.map(function (c) {
          return h("tr", {}, h("td", { text: day(c.week) }), h("td", { class: "num", "data-figure": "cohort-size", text: num(c.size) }),
            c.active.map(function (n) {
              var share = c.size ? n / c.size : 0;
              return h("td", { title: num(n), style: "background: rgba(36,129,204," + (0.08 + 0.85 * share).toFixed(2) + ")",
                text: c.size ? Math.round(share * 100) + "%" : "—" });
            }));
        })))));
    });
  };

  view.leads = function () {
    return api("leads").then(function (d) {
      show([
        h("div", { class: "grid" }, d.tiers.map(function (tier) {
          return h("div", { class: "card" }, h("div", { class: "label", text: t("tier_" + tier[0]) }),
            h("div", { class: "value", "data-figure": "leads-" + tier[0], text: num(tier[1]) }));
        })),
        h("h2", { text: t("hot_leads") }),
        d.hot.map(function (p) {
          return h("div", { class: "row clickable", on: { click: function () { go("person", { id: p.user_id }); } } },
            h("span", { text: person(p) }), h("span", { class: "hint", text: num(p.events) + " · " + num(p.days) }));
        }),
        d.as_of ? h("div", { class: "hint", text: t("as_of") + " " + when(d.as_of) }) : null,
      ]);
    });
  };

  view.people = function (state) {
    var q = (state && state.q) || "";
    var input = h("input", { type: "search", name: "q", value: q, placeholder: t("search"), autocomplete: "off" });
    var form = h("form", { class: "search", on: { submit: function (ev) { ev.preventDefault(); go("people", { q: input.value }); } } },
      input, h("button", { class: "btn", type: "submit", text: t("find") }));
    if (!q) { show(form); return Promise.resolve(); }
    return api("people?q=" + encodeURIComponent(q)).then(function (d) {
      // more match than are shown: the chat's note (refine the query) above the first ones
      show([form, d.more ? h("div", { class: "notice", "data-figure": "people-more", text: d.more }) : null,
        d.people.length ? d.people.map(function (p) {
          return h("div", { class: "row clickable", "data-person": p.user_id, on: { click: function () { go("person", { id: p.user_id }); } } },
            h("span", { text: person(p) }), h("span", { class: "hint", text: day(p.last_seen_at) }));
        }) : h("div", { class: "notice", text: t("nobody") })]);
    });
  };

  view.person = function (state) {
    return api("people/" + state.id).then(function (d) {
      if (d.__status !== 200) { show(h("div", { class: "notice", text: t("nobody") })); return; }
      var u = d.user;
      show([
        h("button", { class: "link", text: t("back"), on: { click: function () { history.back(); } } }),
        h("h2", { "data-figure": "person-name", text: person(u) }),
        h("div", { class: "hint", text: "id " + u.user_id + " · " + t("first_seen") + " " + when(u.first_seen_at) + " · " + t("last_seen") + " " + when(u.last_seen_at) }),
        // who cannot reach them and why, whether broadcasts do now: the chat card's lines
        d.reach_lines.length ? h("div", { class: d.reach_bad ? "notice bad" : "notice", "data-figure": "person-reach" },
          d.reach_lines.map(function (line) { return h("div", { text: line }); })) : null,
        h("h2", { text: t("card_bookings") }),
        d.manage.bookings.map(function (b) { return H.bookingEditor(b, d.manage, state); }),
        h("h2", { text: t("card_registrations") }),
        d.registrations.map(function (r) { return h("div", { class: "row", "data-lesson": r.lesson_type || "" }, h("span", { text: r.lesson_name }), h("span", { class: "hint", text: day(r.lesson_date) })); }),
        h("h2", { text: t("card_events") + " (" + num(d.events_total) + ")" }),
        d.events.map(function (e) { return h("div", { class: "row" }, h("span", { text: d.event_names[e.event_type] || e.event_type }), h("span", { class: "hint", text: when(e.created_at) })); }),
        h("h2", { text: t("card_broadcasts") }),
        d.broadcasts.map(function (b) {
          return h("div", { class: "row clickable", on: { click: function () { go("broadcast", { id: b.message_id }); } } },
            h("span", { text: "#" + b.message_id + " " + b.text.replace(/<[^>]*>/g, "").slice(0, 40) }),
            h("span", { class: "hint", "data-outcome": b.message_id, text: b.outcome }));
        }),
      ]);
    });
  };

})();
