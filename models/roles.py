"""角色与数据范围: the role matrix of domain.md, the one place roles and their grants are declared."""
from app.access import DataScope, RoleSpec

ASSET_MODELS = ("AssetCategory", "Location", "Asset", "AssetLoan", "AssetTransfer",
                "AssetDamage", "AssetDisposal", "Stocktake", "StocktakeLine")
ORG_MODELS = ("Department", "Staff", "Assessment")


def grant(models, actions: str) -> dict[str, str]:
    return {name: actions for name in models}


ROLES = {
    "系统管理员": RoleSpec(DataScope.all, {"*": "all"}, "一切功能，含用户与角色"),
    "校长": RoleSpec(DataScope.all, {"*": "read"}, "全部只读；终审；看板"),
    "校务会": RoleSpec(DataScope.all, {"*": "read"}, "全部只读；大额采购集体决策"),
    "后勤主任": RoleSpec(DataScope.all, {
        **grant(ORG_MODELS, "read"), **grant(ASSET_MODELS, "read"),
        "Assessment": "read add edit", "AssetDisposal": "read edit",
    }, "一级审批、派工、调宿审批、隐患销号"),
    "财务": RoleSpec(DataScope.all, {
        **grant(("Department", "Staff", "Asset", "AssetDisposal"), "read"), "AssetDamage": "read edit",
    }, "报销、预算、水电账单"),
    "财产保管员": RoleSpec(DataScope.all, {
        **grant(("Department", "Staff"), "read"), **grant(ASSET_MODELS, "read add edit delete"),
    }, "验收、入库、借用、调拨、盘点"),
    "维修工": RoleSpec(DataScope.own, {"Asset": "read", "AssetDamage": "read add"}, "接单、记录维修与耗材、完工"),
    "宿管员": RoleSpec(DataScope.department, {
        "Asset": "read", "AssetLoan": "read add", "AssetDamage": "read add", "Location": "read",
    }, "分配床位、卫生检查、违纪、调宿申请"),
    "食堂管理员": RoleSpec(DataScope.department, {
        "Asset": "read", "AssetLoan": "read add", "AssetDamage": "read add", "AssetDisposal": "read add",
    }, "食堂采购与报修、食堂资产"),
    "水电工": RoleSpec(DataScope.department, {"Asset": "read", "Location": "read"}, "抄表、水电维修"),
    "绿化环卫": RoleSpec(DataScope.department, {"Asset": "read", "Location": "read"}, "巡视、隐患、申请"),
    "教职工": RoleSpec(DataScope.own, {"AssetLoan": "read add"}, "报修、请购、借用、评价、本人账单"),
}
