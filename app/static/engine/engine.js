// Server-searched relation selects (app/web/forms.py) and Chinese texts for select2.
(function ($) {
  "use strict";
  var zh = {
    errorLoading: function () { return "无法载入结果"; },
    inputTooLong: function () { return "输入的内容太长"; },
    inputTooShort: function () { return "请再输入几个字"; },
    loadingMore: function () { return "正在载入更多…"; },
    maximumSelected: function () { return "已达可选上限"; },
    noResults: function () { return "未找到结果"; },
    searching: function () { return "搜索中…"; },
    removeAllItems: function () { return "清除全部"; }
  };
  window.engineSelect2Language = zh;

  function initLookup(el) {
    var $el = $(el);
    if ($el.data("select2")) { return; }
    $el.select2({
      theme: "bootstrap",
      width: "100%",
      language: zh,
      allowClear: $el.data("allow-clear") === true || $el.data("allow-clear") === "true",
      placeholder: $el.data("placeholder") || "请选择",
      ajax: {
        url: $el.data("url"),
        dataType: "json",
        delay: 250,
        data: function (params) {
          var query = { q: params.term || "", page: params.page || 1 };
          var $form = $el.closest("form");
          if (($el.attr("name") || "").indexOf("_flt_") === 0) { query.filter = 1; }
          if ($form.data("record")) { query.record = $form.data("record"); }
          // A qualifying rule reads other fields of the form (a new bed for the chosen student).
          String($el.data("depends") || "").split(" ").filter(Boolean).forEach(function (name) {
            var $dep = $form.find("[name='" + name + "']");
            query["dep_" + name] = $dep.is(":radio") ? $dep.filter(":checked").val() : $dep.val();
          });
          return query;
        }
      }
    });
    // A filter restored from the URL carries only a key: fetch its display text.
    var name = $el.attr("name") || "";
    var value = new URLSearchParams(window.location.search).get(name);
    if (name.indexOf("_flt_") === 0 && value && !$el.find("option[value='" + value + "']").length) {
      $.getJSON($el.data("url"), { id: value }, function (data) {
        if (data.results.length) {
          $el.append(new Option(data.results[0].text, data.results[0].id, true, true)).trigger("change");
        }
      });
    }
  }

  $(function () {
    $("select.engine-lookup").each(function () { initLookup(this); });
    // Search filters are added later by FAB's ab_filters.js: initialise them as they appear.
    new MutationObserver(function () {
      $("select.engine-lookup").each(function () { initLookup(this); });
    }).observe(document.body, { childList: true, subtree: true });
  });
})(jQuery);

// Document lines: add a row by copying the last one (fields renumbered and emptied), remove a row.
(function ($) {
  "use strict";
  function renumber($table) {
    $table.find("tbody tr.engine-line").each(function (i) {
      $(this).find(".engine-line-no").text(i + 1);
      $(this).find("[aria-label]").each(function () {  // 第1行品名 → 第2行品名: each cell named by its row
        this.setAttribute("aria-label", this.getAttribute("aria-label").replace(/^第\d+行/, "第" + (i + 1) + "行"));
      });
    });
  }
  $(document).on("click", ".engine-line-add", function () {
    var $box = $(this).closest(".engine-lines");
    var $rows = $box.find("tbody tr.engine-line");
    var $last = $rows.last();
    var next = 0;
    $box.find("[name]").each(function () {
      var m = /^[^-]+-(\d+)-/.exec($(this).attr("name"));
      if (m) { next = Math.max(next, parseInt(m[1], 10) + 1); }
    });
    var $copy = $last.clone(false);
    $copy.find(".select2-container").remove();
    $copy.find(".text-danger").remove();
    $copy.find("td").removeClass("has-error");
    $copy.find("[name], [id]").each(function () {
      var $f = $(this);
      ["name", "id", "for"].forEach(function (attr) {
        var v = $f.attr(attr);
        if (v) { $f.attr(attr, v.replace(/^([^-]+)-\d+-/, "$1-" + next + "-")); }
      });
      $f.removeAttr("data-select2-id").removeClass("select2-hidden-accessible");
      if ($f.is("select.engine-lookup")) { $f.empty(); $f.removeData("select2"); }
      else if ($f.is(":checkbox")) { $f.prop("checked", false); }
      else if ($f.is("select")) { $f.prop("selectedIndex", 0); }
      else { $f.val(""); }
    });
    $last.after($copy);
    renumber($box.find("table"));
  });
  $(document).on("click", ".engine-line-remove", function () {
    var $row = $(this).closest("tr");
    var $table = $row.closest("table");
    if ($table.find("tbody tr.engine-line").length > 1) { $row.remove(); }
    else { $row.find("input[type!=hidden], textarea").val(""); $row.find("select.engine-lookup").empty().trigger("change"); }
    renumber($table);
  });
  // A submit acts once: the button is disabled as the form goes.
  // (after the browser has read the form: a disabled button would not send its own name, 保存并提交审批).
  // A submit held back for a confirmation (below) disables nothing.
  $(document).on("submit", "form", function (event) {
    var $buttons = $(this).find("button.engine-once");
    window.setTimeout(function () {
      if (!event.isDefaultPrevented()) { $buttons.prop("disabled", true); }
    }, 0);
  });
})(jQuery);

// A header checkbox ticks every checkbox named by its data-target.
jQuery(document).on("change", "input.engine-check-all", function () {
  jQuery("input[name='" + jQuery(this).data("target") + "']").prop("checked", this.checked);
});

// Dates and times: flatpickr in Chinese (app/static/vendor/), weeks from Monday, 24-hour clock.
// Fields of the engine's forms (app/web/forms.py: input.engine-date / input.engine-datetime) and FAB's own
// date fields (.appbuilder_date / .appbuilder_datetime, on the user screens) alike, also when added later
// (search filters).
(function ($) {
  "use strict";
  if (!window.flatpickr) { return; }
  var zh = $.extend(true, {}, (flatpickr.l10ns && flatpickr.l10ns.zh) || {}, {
    firstDayOfWeek: 1,
    weekdays: {
      shorthand: ["日", "一", "二", "三", "四", "五", "六"],
      longhand: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"]
    },
    rangeSeparator: " 至 ",
    time_24hr: true,
    amPM: ["上午", "下午"],
    yearAriaLabel: "年",
    monthAriaLabel: "月",
    hourAriaLabel: "时",
    minuteAriaLabel: "分",
    toggleTitle: "点击切换"
  });
  window.engineFlatpickrLocale = zh;

  function initPicker(input) {
    if (input._flatpickr || input.type === "hidden") { return; }
    var $in = $(input);
    var withTime = $in.hasClass("engine-datetime") || $in.closest(".appbuilder_datetime").length > 0;
    var seconds = withTime && !$in.hasClass("engine-datetime");  // FAB's own fields keep its format
    flatpickr(input, {
      locale: zh,
      allowInput: true,
      disableMobile: true,
      enableTime: withTime,
      enableSeconds: seconds,
      time_24hr: true,
      minuteIncrement: 1,
      dateFormat: withTime ? (seconds ? "Y-m-d H:i:S" : "Y-m-d H:i") : "Y-m-d"
    });
  }
  var selector = "input.engine-date, input.engine-datetime, .appbuilder_date input, .appbuilder_datetime input";
  function initAll() { $(selector).each(function () { initPicker(this); }); }
  $(function () {
    initAll();
    new MutationObserver(initAll).observe(document.body, { childList: true, subtree: true });
  });
})(jQuery);

// select2 4.0.13 with jQuery 3.6 does not put the cursor in the search box of an opened select: do it,
// so that typing right after opening searches.
jQuery(document).on("select2:open", function () {
  window.setTimeout(function () {
    var field = document.querySelector(".select2-container--open .select2-search__field");
    if (field) { field.focus(); }
  }, 0);
});

// File inputs: the browser writes "Choose File / No file chosen" in its own language; show a Chinese
// button and the chosen file's name instead (the input itself stays, hidden, and is what is submitted).
(function ($) {
  "use strict";
  function wrap(input) {
    var $input = $(input);
    if ($input.parent().hasClass("engine-file")) { return; }
    var image = /image/.test($input.attr("accept") || "");
    var $box = $('<span class="engine-file"></span>');
    var $button = $('<button type="button" class="btn btn-default btn-sm"><i class="fa fa-upload"></i> </button>');
    $button.append(document.createTextNode(image ? "选择图片" : "选择文件"));
    var $name = $('<span class="engine-file-name"></span>').text("未选择文件");
    $input.before($box);
    $box.append($input, $button, $name);
    $button.on("click", function () { input.click(); });
    $input.on("change", function () {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      $name.text(names.length ? names.join("、") : "未选择文件");
    });
  }
  $(function () { $("input[type=file]").each(function () { wrap(this); }); });
})(jQuery);

// A step that cannot be undone (作废, 取消, 驳回 …) asks first, in the page's own Chinese dialog.
(function ($) {
  "use strict";
  var REJECT = "驳回";
  function dialog(question, onYes) {
    var $modal = $('<div class="modal fade engine-confirm" tabindex="-1" role="dialog" aria-modal="true">' +
      '<div class="modal-dialog modal-sm"><div class="modal-content"><div class="modal-header">' +
      '<h4 class="modal-title">请确认</h4></div><div class="modal-body"></div><div class="modal-footer">' +
      '<button type="button" class="btn btn-default" data-dismiss="modal">取消</button>' +
      '<button type="button" class="btn btn-danger engine-confirm-yes">确定</button></div></div></div></div>');
    $modal.find(".modal-body").text(question);
    $modal.find(".engine-confirm-yes").on("click", function () { $modal.modal("hide"); onYes(); });
    $modal.on("hidden.bs.modal", function () { $modal.remove(); });
    $("body").append($modal);
    $modal.modal("show");
  }
  $(document).on("submit", "form[data-confirm], form:has(input[name=decision])", function (event) {
    var form = this;
    if (form.dataset.confirmed === "1") { return; }
    var question = form.dataset.confirm;
    var decision = $(form).find("input[name=decision]:checked").val();
    if (decision === REJECT) { question = "确定驳回吗？驳回后这张单据不再往下办理。"; }
    else if (decision !== undefined && !form.dataset.confirm) { return; }
    if (!question) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog(question, function () { form.dataset.confirmed = "1"; $(form).trigger("submit"); });
  });
})(jQuery);

// A field a qualifying rule depends on (学生 for 新床位) changes: the choice made for the old value goes.
jQuery(document).on("change", "form :input[name]", function () {
  "use strict";
  var name = this.name;
  jQuery(this).closest("form").find("select.engine-lookup").each(function () {
    var depends = String(jQuery(this).data("depends") || "").split(" ");
    if (depends.indexOf(name) >= 0 && jQuery(this).val()) { jQuery(this).val(null).trigger("change"); }
  });
});

// A choice that is the whole question (the month of a report) asks at once.
jQuery(document).on("change", "select[data-autosubmit]", function () { "use strict"; this.form.submit(); });
