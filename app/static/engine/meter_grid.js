// 抄表录入 (views/meter_grid.py): choosing a household or a place opens its meters; as a reading is typed, its
// row shows 用量 and 金额 and says at once what the server will say: a reading below the last one (unless 换表)
// is refused, a usage over the factor × the meter's average is to be checked. The server decides; this only
// tells earlier.
(function ($) {
  "use strict";

  // ------------------------------------------------------------------ choosing: month, household, place
  function matcher(params, data) {
    var term = $.trim(params.term || "").toLowerCase();
    if (!term) { return data; }
    if (typeof data.text === "undefined") { return null; }
    var pinyin = data.element ? (data.element.getAttribute("data-pinyin") || "") : "";
    return data.text.toLowerCase().indexOf(term) > -1 || pinyin.indexOf(term) > -1 ? data : null;
  }

  $(function () {
    var $form = $("form.meter-grid-choose");
    if (!$form.length) { return; }
    var $household = $form.find("#grid-household");
    var $location = $form.find("#grid-location");
    $form.find("select.meter-grid-pick").each(function () {
      var $el = $(this);
      $el.select2({
        theme: "bootstrap",
        width: "100%",
        language: window.engineSelect2Language,
        allowClear: true,
        placeholder: $el.data("placeholder") || "请选择",
        matcher: matcher
      });
    });
    // One household, or every household at one place: choosing one clears the other, and opens the grid.
    $household.on("select2:select", function () {
      $location.val("").trigger("change.select2");
      $form.trigger("submit");
    });
    $location.on("select2:select", function () {
      $household.val("").trigger("change.select2");
      $form.trigger("submit");
    });
    $form.find("#grid-month").on("change", function () {
      if (this.value && ($household.val() || $location.val())) { $form.trigger("submit"); }
    });
  });

  // ------------------------------------------------------------------ the grid: live 用量 and checks
  var CENTS = /^\d+(\.\d{1,2})?$/;

  function read(text) {
    // Full-width digits and point, thousands commas and spaces as the server accepts them.
    var plain = String(text || "").replace(/[\uff10-\uff19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/\uff0e/g, ".").replace(/[,\uff0c\s]/g, "");
    if (!plain) { return { empty: true }; }
    if (/^-\d/.test(plain)) { return { problem: "读数不能为负数" }; }
    if (!/^\d+(\.\d+)?$/.test(plain)) { return { problem: "请填写数字，例如 1234.5" }; }
    if (!CENTS.test(plain)) { return { problem: "读数最多两位小数" }; }
    return { cents: Math.round(parseFloat(plain) * 100), text: plain };
  }

  function money(cents) {
    var yuan = (cents / 100).toFixed(2).split(".");
    return "¥" + yuan[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + yuan[1];
  }

  function fixed(cents) { return (cents / 100).toFixed(2); }

  function update($row, typing) {
    var $input = $row.find("input.meter-current");
    if (!$input.length) { return; }
    var replaced = $row.find("input.meter-replaced").is(":checked");
    var unit = $row.data("unit") || "";
    var previous = Math.round(parseFloat($row.attr("data-previous") || "0") * 100);
    var average = $row.attr("data-average");
    var factor = parseFloat($row.attr("data-factor") || "3");
    var price = parseFloat($row.attr("data-price") || "0");
    var value = read($input.val());
    var $usage = $row.find(".meter-usage-value");
    var $live = $row.find(".meter-live");
    var problem = "", warning = "";

    if (typing) {  // the server's verdict was on the old value
      $row.find(".meter-error, .meter-warning").remove();
    }
    if (value.empty) {
      $usage.text("—");
    } else if (value.problem) {
      problem = value.problem;
      $usage.text("—");
    } else {
      var usage = replaced ? value.cents : value.cents - previous;
      if (!replaced && value.cents < previous) {
        problem = "本次读数 " + fixed(value.cents) + " 小于上次读数 " + fixed(previous) + "；如已换表，请勾选「是否换表」";
        $usage.text("—");
      } else {
        $usage.text(fixed(usage) + " " + unit + " · " + money(Math.round(usage * price)));
        if (average !== "" && average !== undefined && usage > factor * parseFloat(average) * 100) {
          warning = "用量 " + fixed(usage) + " " + unit + "，超过该表以往平均用量 " + parseFloat(average).toFixed(2) +
            " " + unit + "的 " + factor + " 倍，请核实";
        }
      }
    }
    var server = $row.find(".meter-error, .meter-warning").length > 0;
    $live.empty().removeClass("text-danger text-warning");
    if (!server && (problem || warning)) {
      $live.addClass(problem ? "text-danger" : "text-warning").css("margin-top", "6px")
        .append($("<i>").addClass(problem ? "fa fa-times-circle" : "fa fa-exclamation-triangle"))
        .append(document.createTextNode(" " + (problem || warning)));
    }
    if (!server) {
      $row.toggleClass("list-group-item-danger", !!problem).toggleClass("list-group-item-warning", !problem && !!warning);
      $input.parent().toggleClass("has-error", !!problem).toggleClass("has-warning", !problem && !!warning);
    }
  }

  $(function () {
    $(".meter-grid .meter-row").each(function () { update($(this), false); });
  });
  $(document).on("input", ".meter-grid input.meter-current", function () {
    update($(this).closest(".meter-row"), true);
  });
  $(document).on("change", ".meter-grid input.meter-replaced", function () {
    update($(this).closest(".meter-row"), true);
  });
  // Enter (the phone keyboard's 下一项) goes on to the next meter instead of saving a half-filled grid.
  $(document).on("keydown", ".meter-grid input.meter-current", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var inputs = $(".meter-grid input.meter-current:enabled");
    var next = inputs.eq(inputs.index(this) + 1);
    if (next.length) { next.trigger("focus"); } else { $(".meter-grid-actions button[type=submit]").trigger("focus"); }
  });
})(jQuery);
