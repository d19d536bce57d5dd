/* The booking desk on a person's card: edit → before → after → confirm; a stale card is
 * refused with the current values (the server checks what the card showed). */
(function () {
  "use strict";
  var H = window.Hsl;
  var h = H.h, fill = H.fill, t = H.t, num = H.num, day = H.day, when = H.when;
  var person = H.person, api = H.api, failed = H.failed, show = H.show, go = H.go;
  var periodSwitch = H.periodSwitch, pager = H.pager, sparkline = H.sparkline, bars = H.bars;
  var view = H.view;
  var PERIODS = ["7", "30", "90", "365", "all"];

  function describe(state, manage, courseId) {
    var streams = manage.streams[String(courseId)] || [];
    var stream = streams.filter(function (s) { return s.stream === state.course_stream; })[0];
    var status = manage.statuses.filter(function (s) { return s.value === state.confirmed; })[0];
    return [
      (stream ? stream.name : state.course_stream),
      status ? status.name : String(state.confirmed),
      (state.referral_code || "—") + " / " + state.discount_percent + "%",
    ].join(" · ");
  }

  function bookingEditor(b, manage, pageState) {
    var box = h("div", { class: "booking", "data-booking": b.id });
    var streams = manage.streams[String(b.course_id)] || [];
    function summary() {
      fill(box, 
        h("div", { text: b.course_name + " · " + b.stream_name }),
        h("div", { class: "hint", "data-figure": "booking-status", text: b.status_name + " · " + (b.state.referral_code || "—") + " / " + b.state.discount_percent + "% · " + when(b.created_at) }),
        h("div", { class: "btns" }, h("button", { class: "btn secondary", "data-action": "edit", text: t("manage"), on: { click: edit } })));
    }
    function edit() {
      var stream = h("select", { name: "course_stream" }, streams.map(function (s) {
        return h("option", { value: s.stream, selected: s.stream === b.state.course_stream ? "selected" : null, text: s.name });
      }));
      if (!streams.some(function (s) { return s.stream === b.state.course_stream; })) {
        stream.appendChild(h("option", { value: b.state.course_stream, selected: "selected", text: b.stream_name }));
      }
      var status = h("select", { name: "confirmed" }, manage.statuses.map(function (s) {
        return h("option", { value: String(s.value), selected: s.value === b.state.confirmed ? "selected" : null, text: s.name });
      }));
      var code = h("input", { name: "referral_code", value: b.state.referral_code || "", maxlength: "50" });
      var discount = h("input", { name: "discount_percent", type: "number", min: "0", max: "100", value: String(b.state.discount_percent) });
      var note = h("div");
      function wanted() {
        return {
          course_stream: stream.value,
          confirmed: parseInt(status.value, 10),
          referral_code: code.value.trim() || null,
          discount_percent: parseInt(discount.value || "0", 10),
        };
      }
      function review() {
        var after = wanted();
        if (!(after.discount_percent >= 0 && after.discount_percent <= 100)) {
          fill(note, h("div", { class: "notice bad", text: t("invalid") })); return;
        }
        if (JSON.stringify(after) === JSON.stringify(b.state)) {
          fill(note, h("div", { class: "notice", text: t("no_change") })); return;
        }
        fill(note, h("div", { class: "notice" },
          h("div", { class: "hint", text: t("before_after") }),
          h("div", { class: "diff", "data-figure": "diff", text: describe(b.state, manage, b.course_id) + " → " + describe(after, manage, b.course_id) }),
          h("div", { class: "btns" },
            h("button", { class: "btn", "data-action": "confirm", text: t("confirm"), on: { click: function () { save(after); } } }),
            h("button", { class: "btn secondary", text: t("dismiss"), on: { click: summary } }))));
      }
      function save(after) {
        api("bookings/" + b.id, { method: "POST", body: { expected: b.state, set: after } }).then(function (d) {
          if (d.__status === 200) { b = d.booking; summary(); box.appendChild(h("div", { class: "notice", "data-result": "saved", text: t("saved") })); return; }
          if (d.error === "stale") {
            b = d.now; summary();
            box.appendChild(h("div", { class: "notice bad", "data-result": "stale", text: t("stale", { now: describe(d.now.state, manage, d.now.course_id) }) }));
            return;
          }
          fill(note, h("div", { class: "notice bad", text: t("invalid") }));
        }).catch(failed);
      }
      fill(box, 
        h("div", { text: b.course_name + " · " + b.stream_name }),
        h("label", { text: t("move_to") }), stream,
        h("label", { text: t("set_status") }), status,
        h("label", { text: t("referral_code") }), code,
        h("label", { text: t("discount") }), discount,
        h("div", { class: "btns" }, h("button", { class: "btn", "data-action": "review", text: t("before_after"), on: { click: review } }),
          h("button", { class: "btn secondary", text: t("dismiss"), on: { click: summary } })),
        note);
    }
    summary();
    return box;
  }

  H.bookingEditor = bookingEditor;
})();
