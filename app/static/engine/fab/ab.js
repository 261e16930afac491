// Flask-AppBuilder 5.3.0's static/appbuilder/js/ab.js (BSD licence), served in its place by
// app/fab/templates/appbuilder/init.html with the texts a person sees in Chinese. Changes are marked 中文.
//-----------------------------------------------------------
// AJAX REST call to server to fetch data for select2 Slaves
//-----------------------------------------------------------
function loadSelectDataSlave(elem) {
    $(".my_select2_ajax_slave").each(function (index) {
        var elem = $(this);
        var master_id = elem.attr('master_id');
        var master_val = $('#' + master_id).val();
        if (master_val) {
            var endpoint = elem.attr('endpoint');
            endpoint = endpoint.replace("{{ID}}", master_val);
            $.get(endpoint, function (data) {
                elem.select2({data: data, placeholder: "请选择"  /* 中文 */, allowClear: true});
            });
        } else {
            elem.select2({
                data: {id: "", text: ""},
                placeholder: "请选择"  /* 中文 */,
                allowClear: true
            });
        }
        $('#' + master_id).on("change", function (e) {
            var change_master_val = $('#' + master_id).val();
            var endpoint = elem.attr('endpoint');
            if (change_master_val) {
                endpoint = endpoint.replace("{{ID}}", change_master_val);
                $.get(endpoint, function (data) {
                    elem.select2({data: data, placeholder: "请选择"  /* 中文 */, allowClear: true});
                });
            }
        })
    });
}


//----------------------------------------------------
// AJAX REST call to server to fetch data for select2
//----------------------------------------------------
function loadSelectData() {
    $(".my_select2_ajax").each(function (index) {
        var elem = $(this);
        $.get($(this).attr('endpoint'), function (data) {
            elem.select2({data: data, placeholder: "请选择"  /* 中文 */, allowClear: true});
        });
    });
}


// 中文: select2 speaks Chinese (app/static/vendor/select2/i18n/zh-CN.js).
$.fn.select2.defaults.set("language", "zh-CN");

//---------------------------------------
// Setup date time modal views, select2
//---------------------------------------
$(function () {

    // 中文: dates and times are picked with flatpickr in Chinese (app/static/engine/engine.js).
    $(".my_select2").select2(
        {placeholder: "请选择"  /* 中文 */, allowClear: true, theme: "bootstrap"}
    );
    $(".my_select2.readonly").select2("readonly", true);
    loadSelectData();
    loadSelectDataSlave();
    $("a").tooltip({container: '.row', 'placement': 'bottom'});
});


$(".my_change").on("change", function (e) {
    var theForm = document.getElementById("model_form");
    theForm.action = "";
    theForm.method = "get";
    theForm.trigger('submit');
})


//---------------------------------------
// Bootstrap modal, javascript alert
//---------------------------------------
function ab_alert(text) {
    $('#modal-alert').on('show.bs.modal', function (e) {
            $('.modal-text').text(text);
        }
    );
    $('#modal-alert').modal('show');
};


//---------------------------------------
// Modal confirmation JS support
//---------------------------------------

// On link attr "data-text" is set to the modal text
$(function () {
    $(".confirm").on('click', function () {
        $('.modal-text').text($(this).data('text'));
    });
});

// If positive confirmation on model follow link
$('#modal-confirm').on('show.bs.modal', function (e) {
    $(this).find('#modal-confirm-ok').attr('href', $(e.relatedTarget).data('href'));
});

