// Server-searched relation selects (app/forms.py) and Chinese texts for select2.
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
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; }
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
  $(document).on("submit", "form", function () {
    $(this).find("button.engine-once").prop("disabled", true);
  });
})(jQuery);

// A header checkbox ticks every checkbox named by its data-target.
jQuery(document).on("change", "input.engine-check-all", function () {
  jQuery("input[name='" + jQuery(this).data("target") + "']").prop("checked", this.checked);
});
