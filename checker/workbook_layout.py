"""Where things live in a fact-sheet workbook: sheet names and column headers.

The reader and the template writer both take the layout from here, so a
workbook policycheck writes is one it can read, and a clerk who re-types a
workbook by hand only needs the same sheet names and headers.
"""
from __future__ import annotations

GUIDE = "填表说明"
COUNTY = "基本信息"
FACTS = "事实"
OPTIONS = "选项"  # hidden: the lists behind the drop-downs

# 事实 sheet: one row per fact.
KEY, LABEL, VALUE, RANGE, DESCRIPTION, CLAUSE, CHANGE = "字段名", "事实", "填写值", "单位/范围", "说明", "依据条款", "与上次相比"
FACT_COLUMNS = (KEY, LABEL, VALUE, RANGE, DESCRIPTION, CLAUSE)

# 基本信息 sheet: one row per county field.
COUNTY_COLUMNS = (KEY, "项目", VALUE, DESCRIPTION)
COUNTY_FIELDS = (
    ("name", "县(市、区)名称", "如 平度市"),
    ("code", "行政区划代码", "6 位数字, 如 370283"),
    ("province", "省", ""),
    ("city", "市", ""),
    ("kind", "类型", "市辖区 / 县 / 县级市 / 自治县 / 旗 / 功能区 (开发区、产业园) …"),
    ("report_date", "数据截止日期", "填写日期, 如 2025-11-30"),
    ("packs", "另需检查的规则包", "规则包名称, 多个用顿号分隔; 一般留空"),
)
UNIT_PREFIX = "units."  # 基本信息 rows naming the county's own bodies: units.health_bureau

NAME_KEY = "name"  # first column of every collection sheet
NAME_LABEL = "名称"
NONE_MARK = "无"  # a collection sheet whose only entry is 无: the county has none (YAML `[]`)
