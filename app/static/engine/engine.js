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
