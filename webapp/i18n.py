"""User-interface strings in Chinese (default) and English (界面文字，中英双语).

Every label, help text, chart title and axis title of the app comes from here, so a
language switch changes all of them. ``t(key, lang, **fmt)`` looks a string up;
missing keys raise ``KeyError`` in tests (``tests/app/test_webapp_units.py`` checks
that every key has both languages).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from analysis.turning_points import TurningPoint

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_LABELS: Mapping[str, str] = {"zh": "中文", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    # ----------------------------------------------------------------- general
    "app_title": {"zh": "国土空间碳中和情景模拟器", "en": "Territorial carbon-neutrality scenario simulator"},
    "app_subtitle": {
        "zh": "城镇化、土地利用、森林碳汇与碳排放的系统动力学模型：五个重要拐点与“双碳”目标",
        "en": "System dynamics of urbanization, land use, forest sinks and CO2: the five turning points and the dual-carbon goals",
    },
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "page": {"zh": "页面", "en": "Page"},
    "page_explore": {"zh": "探索", "en": "Explore"},
    "page_compare": {"zh": "比较", "en": "Compare"},
    "page_region": {"zh": "我的区域", "en": "Your own region"},
    "page_history": {"zh": "历史拟合", "en": "History"},
    "page_sensitivity": {"zh": "敏感性分析", "en": "Sensitivity"},
    "page_present": {"zh": "演示", "en": "Present"},
    "page_model": {"zh": "模型说明", "en": "Model"},
    "error_generic": {
        "zh": "出现问题，当前操作未完成：{msg}。情景未被改变，请调整后重试。",
        "en": "Something went wrong and the action was not completed: {msg}. The scenario is unchanged; please adjust and retry.",
    },
    "year": {"zh": "年份", "en": "Year"},
    "value": {"zh": "数值", "en": "Value"},
    "variable": {"zh": "变量", "en": "Variable"},
    "unit": {"zh": "单位", "en": "Unit"},
    "series": {"zh": "序列", "en": "Series"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "baseline": {"zh": "基准情景", "en": "Baseline"},
    "current": {"zh": "当前情景", "en": "Current scenario"},
    "not_reached": {"zh": "未达到", "en": "not reached"},
    "none": {"zh": "无", "en": "none"},
    # ----------------------------------------------------------------- sidebar / scenario
    "start_scenario": {"zh": "起始情景", "en": "Starting scenario"},
    "start_scenario_help": {
        "zh": "全国基准情景、内置的政策情景和区域类型情景，或在“我的区域”页校准的本区域情景；切换后杠杆取该情景的数值。参照线始终是该区域的校准基准情景。",
        "en": "The national baseline, a bundled policy or regional-archetype scenario, or your own region calibrated on the 'Your own region' page; switching loads its lever values. The reference line is always the region's calibrated baseline.",
    },
    "start_baseline_label": {"zh": "全国基准情景（模型默认值）", "en": "National baseline (model defaults)"},
    "reference_caption": {"zh": "参照线：{name}", "en": "Reference line: {name}"},
    "data_inputs_caption": {"zh": "区域数据输入（历史时间序列，末年后保持末值）：{items}",
                            "en": "Regional data inputs (historical time series, held at the last value "
                                  "after the last year): {items}"},
    "ref_is_start": {"zh": "本情景即本区域基准情景", "en": "this scenario is the region's baseline"},
    "reset": {"zh": "重置为起始情景", "en": "Reset to the starting scenario"},
    "reset_help": {
        "zh": "所有杠杆和假设恢复为所选起始情景的数值。",
        "en": "Set every lever and assumption back to the values of the chosen starting scenario.",
    },
    "levers": {"zh": "政策杠杆与关键假设", "en": "Policy levers and key assumptions"},
    "levers_help": {
        "zh": "拖动滑块，图表即时更新。标签中的单位、范围、步长和说明均来自模型文件。",
        "en": "Move a slider and the charts update at once. Units, ranges, steps and help come from the model file.",
    },
    "policy_levers": {"zh": "政策杠杆", "en": "Policy levers"},
    "key_assumptions": {"zh": "关键假设", "en": "Key assumptions"},
    "changed_count": {"zh": "与本区域基准情景不同的参数：{n} 个", "en": "Parameters differing from the region's baseline: {n}"},
    "range_help": {
        "zh": "模型单位：范围 [{min}, {max}] {units}，步长 {step}，模型默认值 {default}。",
        "en": "Model units: range [{min}, {max}] {units}, step {step}, model default {default}.",
    },
    "relative_help": {
        "zh": "按本区域显示：{unit}（100% = {base}）；模型接收绝对值（{units}）。",
        "en": "Shown relative to the region: {unit} (100 % = {base}); the model receives absolute values ({units}).",
    },
    "other_overrides_count": {
        "zh": "另有 {n} 个非滑块参数由起始情景、上传或链接设定（名称见提示）。",
        "en": "{n} further parameters without a slider are set by the starting scenario, an upload or a link.",
    },
    "other_overrides": {
        "zh": "另有 {n} 个非滑块参数由上传或链接设定：{names}",
        "en": "{n} further parameters without a slider are set by an upload or link: {names}",
    },
    # ----------------------------------------------------------------- groups
    "group_timing": {"zh": "政策时间", "en": "Policy timing"},
    "group_population": {"zh": "人口与城镇化", "en": "Population and urbanization"},
    "group_construction": {"zh": "建设用地", "en": "Construction land"},
    "group_cropland": {"zh": "耕地", "en": "Cropland"},
    "group_forest": {"zh": "森林与碳汇", "en": "Forest and sinks"},
    "group_energy": {"zh": "能源与排放", "en": "Energy and emissions"},
    # ----------------------------------------------------------------- explore
    "explore_intro": {
        "zh": "E = 碳排放总量，S = 土地碳汇，N = E − S 净排放。竖线标出五个拐点与碳中和年份；虚线为本区域校准基准情景，点线为起始情景（与基准情景不同时）。",
        "en": "E = gross emissions, S = land sink, N = E − S net emissions. Vertical rules mark the five turning points and neutrality; dashed lines are the region's calibrated baseline, dotted lines the starting scenario (when it differs from the baseline).",
    },
    "chart_emissions": {"zh": "碳排放、碳汇与净排放", "en": "Emissions, sink and net emissions"},
    "chart_land": {"zh": "土地利用结构", "en": "Land use"},
    "chart_population": {"zh": "人口与城镇化", "en": "Population and urbanization"},
    "chart_urbanization": {"zh": "城镇化率", "en": "Urbanization rate"},
    "chart_forest": {"zh": "森林龄级结构", "en": "Forest age structure"},
    "chart_sink": {"zh": "森林与土地碳汇", "en": "Forest and land carbon sink"},
    "chart_story": {"zh": "逐步加入政策后的净排放", "en": "Net emissions as policies are added"},
    "axis_emissions": {"zh": "Mt CO2/年", "en": "Mt CO2/yr"},
    "axis_area": {"zh": "面积（万公顷）", "en": "Area (10^4 ha)"},
    "axis_population": {"zh": "人口（万人）", "en": "Population (10^4 persons)"},
    "axis_percent": {"zh": "%", "en": "%"},
    "turning_points": {"zh": "五个重要拐点", "en": "The five turning points"},
    "tp_table_help": {
        "zh": "拐点的操作性定义见“模型说明”页；“未识别/未达到”说明原因。",
        "en": "Operational definitions are on the Model page; the reason column explains points not identified or not reached.",
    },
    "targets": {"zh": "指标与目标", "en": "Indicators and targets"},
    "targets_help": {
        "zh": "目标来自 analysis/targets.yaml；裕度为正表示优于目标。",
        "en": "Targets from analysis/targets.yaml; a positive margin is better than the target.",
    },
    "pass": {"zh": "✓ 达标", "en": "✓ pass"},
    "fail": {"zh": "✗ 未达标", "en": "✗ fail"},
    "na": {"zh": "— 无法评估", "en": "— not evaluable"},
    "col_key": {"zh": "代码", "en": "Key"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_year": {"zh": "年份", "en": "Year"},
    "col_value": {"zh": "数值", "en": "Value"},
    "col_unit": {"zh": "单位", "en": "Unit"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_reason": {"zh": "说明", "en": "Note"},
    "col_target": {"zh": "目标", "en": "Target"},
    "col_result": {"zh": "结果", "en": "Result"},
    "col_margin": {"zh": "裕度", "en": "Margin"},
    "col_default": {"zh": "模型默认值", "en": "Model default"},
    "col_scenario_value": {"zh": "情景值", "en": "Scenario"},
    "col_sector": {"zh": "模块", "en": "Sector"},
    "col_comment": {"zh": "说明（模型文件）", "en": "Comment (model file)"},
    "col_name_zh": {"zh": "中文名称", "en": "Chinese name"},
    "col_kind": {"zh": "类型", "en": "Kind"},
    "col_range": {"zh": "范围", "en": "Range"},
    "status_reached": {"zh": "已识别", "en": "identified"},
    "status_before_start": {"zh": "起始年或之前", "en": "at or before start"},
    "status_not_yet": {"zh": "研究期内未达到", "en": "not reached"},
    "status_not_sustained": {"zh": "未持续", "en": "not sustained"},
    "status_no_peak": {"zh": "无峰值", "en": "no peak"},
    "status_too_short": {"zh": "序列过短", "en": "too short"},
    "status_no_input": {"zh": "缺少输入", "en": "no input"},
    "scenario_id": {"zh": "情景编码 {h}", "en": "scenario {h}"},
    # ----------------------------------------------------------------- sharing / export
    "share_export": {"zh": "分享与导出", "en": "Share and export"},
    "share_link": {"zh": "分享链接：点击框右侧的复制图标即可复制（与浏览器地址栏相同，包含区域、杠杆、语言和比较列表）", "en": "Share link: the copy icon at the right of the box copies it (the same as the address bar: region, levers, language and the comparison list)"},
    "download_yaml": {"zh": "下载情景 YAML", "en": "Download scenario YAML"},
    "upload_yaml": {"zh": "上传情景 YAML", "en": "Upload scenario YAML"},
    "upload_help": {
        "zh": "格式：name: {en, zh}、description: {en, zh}、可选 base:、overrides:（Vensim 变量名 → 数值）。",
        "en": "Format: name: {en, zh}, description: {en, zh}, optional base:, overrides: (Vensim name → number).",
    },
    "upload_ok": {"zh": "已载入情景文件 {name}。", "en": "Loaded scenario file {name}."},
    "upload_error": {
        "zh": "无法载入上传的文件，当前情景保持不变。{msg}",
        "en": "The uploaded file could not be loaded; the current scenario is unchanged. {msg}",
    },
    "url_error": {
        "zh": "链接中的情景参数无效，已忽略，当前情景保持不变。{msg}",
        "en": "The scenario in the link is invalid and was ignored; the current scenario is unchanged. {msg}",
    },
    "download_csv": {"zh": "下载结果 CSV", "en": "Download results CSV"},
    "download_xlsx": {"zh": "下载结果 Excel", "en": "Download results Excel"},
    "download_pdf": {"zh": "下载 PDF 报告", "en": "Download PDF report"},
    "chart_export": {"zh": "导出图表", "en": "Export a chart"},
    "download_png": {"zh": "下载 PNG", "en": "Download PNG"},
    "download_svg": {"zh": "下载 SVG", "en": "Download SVG"},
    "scenario_name_default": {"zh": "自定义情景", "en": "Custom scenario"},
    # ----------------------------------------------------------------- compare
    "compare_intro": {
        "zh": "保存当前情景（最多 {n} 个）并叠加比较；表格中与第一个情景不同的数值高亮显示。",
        "en": "Save the current scenario (up to {n}) and overlay them; values differing from the first scenario are highlighted.",
    },
    "save_name": {"zh": "保存为（名称）", "en": "Save as (name)"},
    "save": {"zh": "保存当前情景", "en": "Save current scenario"},
    "saved_ok": {"zh": "已保存“{name}”。", "en": "Saved “{name}”."},
    "save_full": {"zh": "最多可保存 {n} 个情景，请先删除一个。", "en": "At most {n} scenarios can be saved; remove one first."},
    "save_dup": {"zh": "名称“{name}”已存在，已覆盖。", "en": "The name “{name}” existed and was replaced."},
    "saved_scenarios": {"zh": "已保存的情景", "en": "Saved scenarios"},
    "remove": {"zh": "删除", "en": "Remove"},
    "clear_all": {"zh": "全部清除", "en": "Clear all"},
    "no_saved": {
        "zh": "尚未保存情景。在侧栏调整杠杆，然后在此保存。",
        "en": "No scenario saved yet. Adjust the levers in the sidebar, then save here.",
    },
    "overlay_variable": {"zh": "叠加变量", "en": "Variable to overlay"},
    "compare_table": {"zh": "拐点年份与关键指标对比", "en": "Turning-point years and key indicators side by side"},
    "compare_overlay": {"zh": "情景叠加", "en": "Scenario overlay"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    # ----------------------------------------------------------------- indicators
    "ind_tp": {"zh": "{name}（年）", "en": "{name} (year)"},
    "ind_gross_2030": {"zh": "2030 年碳排放总量（Mt CO2）", "en": "Gross emissions 2030 (Mt CO2)"},
    "ind_net_2060": {"zh": "2060 年净排放（Mt CO2）", "en": "Net emissions 2060 (Mt CO2)"},
    "ind_sink_2060": {"zh": "2060 年土地碳汇（Mt CO2）", "en": "Land sink 2060 (Mt CO2)"},
    "ind_cum_net": {"zh": "2020–2060 累计净排放（Gt CO2）", "en": "Cumulative net emissions 2020–2060 (Gt CO2)"},
    "ind_forest_2035": {"zh": "2035 年森林覆盖率（%）", "en": "Forest coverage 2035 (%)"},
    "ind_cropland_2035": {"zh": "2035 年耕地（万公顷）", "en": "Cropland 2035 (10^4 ha)"},
    "ind_constr_2035": {"zh": "2035 年建设用地（万公顷）", "en": "Construction land 2035 (10^4 ha)"},
    "ind_urban_2035": {"zh": "2035 年城镇化率（%）", "en": "Urbanization rate 2035 (%)"},
    "ind_nonfossil_2030": {"zh": "2030 年非化石能源比重（%）", "en": "Non-fossil share 2030 (%)"},
    "ind_pop_2050": {"zh": "2050 年总人口（万人）", "en": "Population 2050 (10^4 persons)"},
    # ----------------------------------------------------------------- history
    "history_intro": {
        "zh": "当前区域校准基准情景的历史拟合：历史数据（全国为项目自带的中国历史数据，自建区域为其上传的数据）与模型输出对比。统计量仅使用独立观测值（不含插值）。",
        "en": "Calibration fit of the current region's baseline: history (the bundled history of China for the nation, the uploaded data for your own region) against the model output. Statistics use independent observations only (no interpolated points).",
    },
    "history_stats": {"zh": "拟合统计量", "en": "Fit statistics"},
    "history_of": {"zh": "区域：{name}", "en": "Region: {name}"},
    "history_none": {
        "zh": "“{name}”没有自己的历史数据（区域原型或上传的区域情景），因此无法与历史对比。在“我的区域”页上传本区域数据并校准后，这里将显示其拟合。",
        "en": "'{name}' has no history of its own (an archetype or an uploaded regional scenario), so it cannot be compared with history. Calibrate your region on the 'Your own region' page to see its fit here.",
    },
    "history_stats_help": {
        "zh": "R² = 相关系数平方；MAPE、RMSPE 为百分比误差；Theil 不等系数 U 及其分解 U^M（均值偏差）、U^S（方差不等）、U^C（协方差，非系统误差），U^M+U^S+U^C = 1（Sterman 1984）。",
        "en": "R² = squared correlation; MAPE and RMSPE in percent; Theil inequality U and its decomposition U^M (bias), U^S (unequal variation), U^C (unequal covariation, unsystematic), U^M+U^S+U^C = 1 (Sterman 1984).",
    },
    "history_choose": {"zh": "选择序列", "en": "Choose series"},
    "history_obs": {"zh": "观测", "en": "Observed"},
    "history_interp": {"zh": "插值（不计入统计）", "en": "Interpolated (not used in the statistics)"},
    "history_model": {"zh": "模型", "en": "Model"},
    "history_n": {"zh": "观测数", "en": "n obs."},
    "history_error": {"zh": "无法读取历史数据：{msg}", "en": "History data could not be read: {msg}"},
    "history_stats_source": {
        "zh": "统计量由校准程序的同一函数计算（与校准报告一致）。",
        "en": "Statistics computed by the same function as the calibration reports ({src}).",
    },
    "run_current": {"zh": "当前情景", "en": "Current scenario"},
    "run_start": {"zh": "起始情景", "en": "Starting scenario"},
    "run_reference": {"zh": "本区域基准情景（校准）", "en": "Region baseline (calibrated)"},
    "run_legend": {"zh": "线型", "en": "Run"},
    # ----------------------------------------------------------------- your own region
    "region_intro": {
        "zh": "为本区域建立模型：输入或上传历史数据（人口、GDP、能源、排放、耕地、森林等序列）和国土调查（三调）地类面积，在浏览器中校准模型，得到本区域的基准情景。保存后它成为本次会话的起始情景，可在“探索”等页面使用，并可下载或通过链接分享。",
        "en": "Model your own region: enter or upload its history (population, GDP, energy, emissions, cropland, forest ...) and its land-survey classes, calibrate the model in the browser and get the region's baseline. It then becomes a starting scenario of this session, usable on Explore and the other pages, downloadable and shareable by link.",
    },
    "region_facts": {"zh": "区域信息", "en": "Region"},
    "region_code": {"zh": "区域代码", "en": "Region code"},
    "region_code_help": {
        "zh": "字母开头，仅字母、数字、下划线或连字符（如 XIONGAN）；须与数据文件中的 region 列一致。",
        "en": "Starts with a letter; letters, digits, '_' or '-' (e.g. XIONGAN); the same as the region column of the data.",
    },
    "region_name_zh": {"zh": "中文名称", "en": "Name (Chinese)"},
    "region_name_en": {"zh": "英文名称", "en": "Name (English)"},
    "region_area": {"zh": "国土总面积（万公顷）", "en": "Total land area (10^4 ha)"},
    "region_area_help": {
        "zh": "区域国土总面积，按国土调查口径；面积类杠杆以其百分比显示。",
        "en": "The region's total land area (land-survey definition); area levers are shown as a percentage of it.",
    },
    "region_start": {"zh": "起始年份", "en": "Start year"},
    "region_start_help": {
        "zh": "模型从该年起运行（1990–2020），历史数据也从该年起拟合：初始存量取自该年的数据（人口、GDP、耕地和森林在该年观测值附近估计，国土调查的地类面积作为该年的面积）；缺少该年观测值时，初始存量在最早观测值的 0.3–1.2 倍之间估计。",
        "en": "The model runs from this year (1990–2020) and the history is fitted from it: initial stocks come from that year's data (population, GDP, cropland and forest are estimated around that year's observations; the land-survey areas are taken as that year's); without an observation in that year an initial stock is estimated between 0.3 and 1.2 times its earliest observation.",
    },
    "region_data": {"zh": "历史数据", "en": "History data"},
    "region_data_help": {
        "zh": "格式见 calibration/history.py：每行一个观测值（年份、变量、数值、单位、来源、备注）。可上传 CSV 或直接在表中编辑；错误会指出行和列。",
        "en": "Format of calibration/history.py: one observation per row (year, variable, value, unit, source, note). Upload a CSV or edit the table; errors name the row and column.",
    },
    "region_upload": {"zh": "上传数据 CSV", "en": "Upload data CSV"},
    "region_template": {"zh": "下载示例数据", "en": "Download example data"},
    "region_source": {"zh": "来源", "en": "Source"},
    "region_no_data": {"zh": "尚无数据：请上传 CSV 或在表中输入。", "en": "No data yet: upload a CSV or type rows into the table."},
    "region_code_needed": {"zh": "请先输入有效的区域代码。", "en": "Enter a valid region code first."},
    "region_table_name": {"zh": "数据表", "en": "data table"},
    "region_data_error": {"zh": "数据有误：{msg}", "en": "The data have errors: {msg}"},
    "region_data_ok": {"zh": "已读取 {name}：{n} 行。", "en": "Read {name}: {n} rows."},
    "region_data_valid": {"zh": "数据有效：{n} 个观测值，{k} 个序列。", "en": "Data valid: {n} observations of {k} series."},
    "region_first": {"zh": "首年", "en": "First year"},
    "region_last": {"zh": "末年", "en": "Last year"},
    "region_survey": {"zh": "国土调查地类（三调）", "en": "Land survey classes"},
    "region_survey_help": {
        "zh": "第三次全国国土调查的地类面积。用于数据中没有序列的地类的初始比例：耕地+园地→耕地，林地→林地，草地→草地，湿地+水域→湿地与水域，城镇用地+交通运输用地→城镇建设用地，村庄→农村建设用地，其他土地按全国默认比例分出宜林地。",
        "en": "Areas of the land-survey classes. They set the initial shares of land classes without a data series: cropland + garden -> cropland, forest, grassland, wetland + water, urban + transport -> urban construction land, village -> rural construction land; other land split into suitable land in the national default proportion.",
    },
    "region_survey_empty": {"zh": "未填写地类：无数据序列的地类保持全国默认比例。", "en": "No survey classes: land classes without a data series keep the national default shares."},
    "region_survey_sum": {"zh": "地类合计 {total} 万公顷，占国土总面积 {area} 万公顷的 {pct}%。", "en": "Classes add up to {total} x 10^4 ha, {pct} % of the total land area {area} x 10^4 ha."},
    "region_survey_error": {"zh": "地类有误：{msg}", "en": "Land survey: {msg}"},
    "region_targets": {"zh": "本区域目标", "en": "The region's targets"},
    "region_targets_help": {
        "zh": "以全国目标为模板，可修改阈值、年份或停用。",
        "en": "The national targets as a template: edit thresholds and years or switch targets off.",
    },
    "region_targets_rule": {
        "zh": "换算规则：年份、百分比和比例目标不变；面积类阈值按本区域占全国比例缩放（国土面积 {area}%，耕地 {crop}%），排放类阈值按排放占比 {em}% 缩放。",
        "en": "Rules: years, percentages and fractions are kept; area thresholds are scaled by the region's share of the nation (land area {area} %, cropland {crop} %), emission thresholds by its share of emissions {em} %.",
    },
    "region_threshold": {"zh": "阈值", "en": "Threshold"},
    "region_deadline": {"zh": "期限年份", "en": "Deadline"},
    "region_enabled": {"zh": "启用", "en": "On"},
    "region_fit": {"zh": "校准", "en": "Calibration"},
    "region_fit_help": {
        "zh": "在批量求解器上用差分进化加最小二乘拟合模型常数（与命令行 python -m calibration fit --region 相同的配置）。",
        "en": "Differential evolution plus least squares on the batch runner (the configuration of python -m calibration fit --region).",
    },
    "region_fit_settings": {
        "zh": "快速设置：种群 {pop} × 参数个数，{gens} 代（全国校准为 {nat_pop} ×、{nat_gens} 代），通常数秒至一分钟。",
        "en": "Quick settings: population {pop} x parameters, {gens} generations (the national fit: {nat_pop} x, {nat_gens}), usually seconds to a minute.",
    },
    "region_fit_needs": {"zh": "需要：区域代码、国土总面积和有效的历史数据。", "en": "Needed: region code, total land area and valid history data."},
    "region_fit_run": {"zh": "开始校准", "en": "Calibrate"},
    "region_fit_cancel": {"zh": "取消", "en": "Cancel"},
    "region_fit_starting": {"zh": "准备校准……", "en": "Preparing the calibration …"},
    "region_fit_progress": {"zh": "第 {g}/{n} 代，预计还需约 {s} 秒", "en": "Generation {g}/{n}, about {s} s left"},
    "region_fit_done": {"zh": "校准完成，用时 {s} 秒。", "en": "Calibration done in {s} s."},
    "region_fit_cancelled": {"zh": "校准已取消，当前情景保持不变。", "en": "The calibration was cancelled; the current scenario is unchanged."},
    "region_fit_error": {"zh": "无法校准：{msg}", "en": "Calibration failed: {msg}"},
    "region_fit_warnings": {"zh": "识别性警告（{n} 条）", "en": "Identification warnings ({n})"},
    "region_fit_poor": {
        "zh": "部分序列的 MAPE 超过 10%：请检查数据和地类，或在命令行用完整设置校准。",
        "en": "Some series have a MAPE above 10 %: check the data and land classes, or calibrate on the command line with the full settings.",
    },
    "region_saved": {
        "zh": "已保存为本次会话的起始情景（用时 {s} 秒）。拟合统计量如下：",
        "en": "Saved as a starting scenario of this session ({s} s). Fit statistics:",
    },
    "region_next": {
        "zh": "在“探索”页查看本区域情景；分享链接包含本区域。",
        "en": "See the region on the Explore page; the share link carries the region.",
    },
    # ----------------------------------------------------------------- sensitivity
    "sens_intro": {
        "zh": "全局敏感性分析（SALib）：参数在模型声明的范围内变化，其余常数取当前情景的值。模型在向量化批量求解器上运行（每秒数千次），样本量上限为 {cap} 次运行。",
        "en": "Global sensitivity analysis (SALib): parameters vary over their declared model ranges, the other constants keep the current scenario's values. The model runs on the vectorized batch runner (thousands of runs per second); the sample is capped at {cap} runs.",
    },
    "sens_params": {"zh": "参数", "en": "Parameters"},
    "sens_metric": {"zh": "输出指标", "en": "Output metric"},
    "sens_method": {"zh": "方法", "en": "Method"},
    "sens_n_sobol": {"zh": "Sobol 基础样本量 N（运行次数 N·(k+2)）", "en": "Sobol base sample N (runs N·(k+2))"},
    "sens_n_morris": {"zh": "Morris 轨迹数 r（运行次数 r·(k+1)）", "en": "Morris trajectories r (runs r·(k+1))"},
    "sens_runs": {"zh": "将运行模型 {runs} 次（上限 {cap}），预计约 {sec:.1f} 秒。", "en": "{runs} model runs (cap {cap}), about {sec:.1f} s."},
    "sens_too_many": {"zh": "运行次数 {runs} 超过上限 {cap}，请减少参数或样本量。", "en": "{runs} runs exceed the cap of {cap}; choose fewer parameters or a smaller sample."},
    "sens_need_params": {"zh": "请至少选择 2 个参数。", "en": "Choose at least 2 parameters."},
    "sens_run": {"zh": "运行分析", "en": "Run analysis"},
    "sens_progress": {"zh": "模型运行 {done}/{total}", "en": "Model runs {done}/{total}"},
    "sens_done": {"zh": "完成：{runs} 次运行，用时 {sec:.1f} 秒。", "en": "Done: {runs} runs in {sec:.1f} s."},
    "sens_indices": {"zh": "敏感性指数（误差线为 95% 置信区间）", "en": "Sensitivity indices (error bars: 95 % confidence intervals)"},
    "sens_time": {"zh": "随时间变化的敏感性（净排放）", "en": "Time-resolved sensitivity (net emissions)"},
    "sens_undefined": {"zh": "未定义值（拐点未达到）处理", "en": "Undefined values (turning point not reached)"},
    "sens_download": {"zh": "下载指数 CSV", "en": "Download indices CSV"},
    "sens_download_time": {"zh": "下载时变指数 CSV", "en": "Download time-resolved indices CSV"},
    "sens_index": {"zh": "指数", "en": "Index"},
    "sens_conf": {"zh": "95% 置信区间半宽", "en": "95 % CI half-width"},
    "sens_status_ok": {"zh": "正常", "en": "ok"},
    "sens_treat_none": {"zh": "无（均已定义）", "en": "none (all defined)"},
    "sens_treat_censored": {"zh": "删失", "en": "censored"},
    "sens_treat_dropped": {"zh": "舍弃", "en": "dropped"},
    "sens_status_constant": {"zh": "输出为常数", "en": "constant output"},
    "sens_status_censored": {"zh": "含删失值", "en": "censored"},
    "sens_status_not_analysed": {"zh": "未分析", "en": "not analysed"},
    "sens_und_metric": {"zh": "指标", "en": "Metric"},
    "sens_und_n_runs": {"zh": "运行次数", "en": "Runs"},
    "sens_und_n_undefined": {"zh": "未定义次数", "en": "Undefined"},
    "sens_und_treatment": {"zh": "处理方式", "en": "Treatment"},
    "sens_und_censor_value": {"zh": "删失值", "en": "Censoring value"},
    "sens_und_trajectories_dropped": {"zh": "舍弃的轨迹", "en": "Trajectories dropped"},
    "sens_und_indicator_metric": {"zh": "指示变量指标", "en": "Indicator metric"},
    "sens_all_undefined": {
        "zh": "该指标在本样本中无法计算敏感性指数（多数运行中拐点未达到，见下方“未定义值”）；请增大样本量或选择其他指标。",
        "en": "No index could be computed for this metric in this sample (the turning point is not reached in most runs, see 'Undefined values' below); use a larger sample or another metric.",
    },
    "sens_parameter": {"zh": "参数", "en": "Parameter"},
    "sens_censor_note": {
        "zh": "拐点在研究期内未达到时取 {c} 年（删失值）。",
        "en": "A turning point not reached within the horizon counts as {c} (censored).",
    },
    # ----------------------------------------------------------------- present
    "present_intro": {
        "zh": "工作坊模式：大字体、一次一张图。情景故事从起始情景出发，逐项加入政策，观察拐点如何移动。",
        "en": "Workshop mode: large fonts, one chart at a time. The scenario story starts from the starting scenario and adds one policy at a time to show how the turning points move.",
    },
    "workshop_mode": {"zh": "工作坊模式（大字体）", "en": "Workshop mode (large fonts)"},
    "present_view": {"zh": "显示内容", "en": "Show"},
    "view_story": {"zh": "情景故事", "en": "Scenario story"},
    "story_step": {"zh": "步骤", "en": "Step"},
    "story_source_current": {
        "zh": "故事由当前情景中与起始情景不同的政策逐项组成。",
        "en": "The story adds, one at a time, the policies in which the current scenario differs from the starting scenario.",
    },
    "story_source_default": {
        "zh": "当前情景与起始情景相同，因此使用示例政策组合。在“探索”页调整杠杆即可讲述自己的故事。",
        "en": "The current scenario equals the starting scenario, so an example policy package is used. Move levers on the Explore page to tell your own story.",
    },
    "story_baseline": {"zh": "基准情景", "en": "Baseline"},
    "story_table": {"zh": "拐点随政策移动", "en": "How the turning points move"},
    "story_prev": {"zh": "◀ 上一步", "en": "◀ Previous"},
    "story_next": {"zh": "下一步 ▶", "en": "Next ▶"},
    # ----------------------------------------------------------------- model page
    "model_intro": {
        "zh": "模型结构（模型文件中的 Vensim 存量—流量视图）、全部变量及其单位与说明、数据来源和拐点定义。",
        "en": "Model structure (the Vensim stock-and-flow views of the model file), every variable with units and comments, data sources and the turning-point definitions.",
    },
    "model_structure": {"zh": "存量—流量结构", "en": "Stock-and-flow structure"},
    "model_structure_help": {
        "zh": "模型文件自带的 Vensim 视图（每个模块一个）：方框为存量，带阀门的双线管道为流量，云形为模型边界外的源/汇，"
              "文字为辅助变量和常数，灰色 <名称> 为其他视图中的变量，细箭头为因果依赖。悬停可查看变量的单位与说明。"
              "“存量—流量概览”把经由汇总流量的土地转换直接画成存量之间的箭头。",
        "en": "The model file's own Vensim views (one per sector): boxes are stocks, double-line pipes with valves are "
              "flows, clouds are sources/sinks outside the model boundary, plain names are auxiliaries and constants, "
              "grey <names> are variables of other views, thin arrows are causal dependencies. Hover for units and "
              "comments. The stock-and-flow overview draws land conversions that pass through aggregate flows as arrows "
              "between the stocks.",
    },
    "diagram_select": {"zh": "模型视图", "en": "Model view"},
    "diagram_view": {"zh": "视图：{name}", "en": "View: {name}"},
    "diagram_overview": {"zh": "存量—流量概览（各模块存量之间的流量）", "en": "Stock-and-flow overview (flows between the stocks, by sector)"},
    "diagram_overview_help": {
        "zh": "方框为存量，箭头为存量之间的流量（悬停箭头可查看流量名称），虚线椭圆为模型边界外的源/汇。",
        "en": "Boxes are stocks, arrows the flows between them (hover an arrow for the names of its flows), dashed "
              "ellipses sources and sinks outside the model boundary.",
    },
    "diagram_counts": {
        "zh": "存量 {stocks} 个，流量 {flows} 个，变量 {variables} 个，引自其他视图 {shadows} 个。",
        "en": "{stocks} stocks, {flows} flows, {variables} variables, {shadows} from other views.",
    },
    "diagram_fit": {"zh": "整图缩览", "en": "Fit whole view"},
    "model_variables": {"zh": "全部变量", "en": "All variables"},
    "model_filter": {"zh": "筛选（名称、中文名称或说明）", "en": "Filter (name or comment)"},
    "model_sources": {"zh": "数据来源", "en": "Data sources"},
    "model_sources_file": {"zh": "数据来源说明（英文原文）", "en": "Data-source notes"},
    "model_definitions": {"zh": "拐点的操作性定义", "en": "Operational definitions of the turning points"},
    "model_sector_groups": {"zh": "模型模块与杠杆分组", "en": "Model sectors and lever groups"},
    "kind_stock": {"zh": "存量", "en": "stock"},
    "kind_constant": {"zh": "常数", "en": "constant"},
    "kind_auxiliary": {"zh": "辅助/流量", "en": "auxiliary/flow"},
    # ----------------------------------------------------------------- report
    "report_title": {"zh": "情景报告", "en": "Scenario report"},
    "report_assumptions": {"zh": "情景假设（与本区域基准情景不同的参数）", "en": "Assumptions (parameters differing from the region's baseline)"},
    "report_no_changes": {"zh": "（与本区域基准情景相同）", "en": "(identical to the region's baseline)"},
    "report_sources": {"zh": "数据来源", "en": "Data sources"},
    "report_sources_note": {
        "zh": "以下为项目数据来源说明（calibration/data/SOURCES.md）的原文（英文），列出每个历史序列的出处、单位换算和处理方法。",
        "en": "The project's data-source notes (calibration/data/SOURCES.md).",
    },
    "req_tp": {"zh": "{name}不晚于 {year} 年", "en": "{name} by {year}"},
    "req_level": {"zh": "{year} 年 {op} {v} {unit}", "en": "{op} {v} {unit} in {year}"},
    "req_all_years": {"zh": "{a}–{b}每年 {op} {v} {unit}", "en": "{op} {v} {unit} every year {a}–{b}"},
    "req_start": {"zh": "起始年", "en": "start"},
    "req_end": {"zh": "期末", "en": "end"},
    "req_reduction": {"zh": "{year} 年比 {base} 年下降 ≥ {v}%", "en": "reduction ≥ {v} % from {base} to {year}"},
    "delta_vs_reference": {"zh": "变化量相对于本区域基准情景（校准）。", "en": "Change relative to the region's calibrated baseline."},
    "scenario_name": {"zh": "情景名称", "en": "Scenario name"},
    "scenario_name_help": {
        "zh": "用于下载的情景文件、报告和比较列表。",
        "en": "Used in the downloaded scenario file, the report and the comparison list.",
    },
    "targets_region": {"zh": "目标集：{region}（本区域目标）", "en": "Target set: {region} (the region's own targets)"},
    "report_generated": {"zh": "生成时间", "en": "Generated"},
}

#: Model sectors (Vensim groups) in Chinese, for display.
SECTOR_ZH: dict[str, str] = {
    "Population and migration": "人口与迁移",
    "Policy timing": "政策时序",
    "Land use and land conversion": "土地利用与土地转换",
    "Land use: ecological red line": "土地利用：生态保护红线",
    "Land use: urban expansion (direct pathway)": "土地利用：城镇扩张（直接路径）",
    "Land use: rural construction land (potential pathway)": "土地利用：农村建设用地（潜在路径）",
    "Land use: cropland compensation (indirect pathway, cropland displacement)": "土地利用：耕地占补（间接路径，耕地位移）",
    "Land use: forest and afforestation": "土地利用：森林与造林",
    "Land carbon": "土地碳库",
    "Economy and energy (Kaya)": "经济与能源（Kaya 恒等式）",
    "Construction, agriculture and CCS emissions": "建设、农业排放与 CCS",
    "Emissions, sink and turning-point quantities": "排放、碳汇与拐点相关量",
    "Indicators": "指标",
    "Control": "模拟控制",
    "Economy": "经济",
    "Buildings and construction materials": "建筑与建材",
    "Energy demand": "能源需求",
    "Energy supply": "能源供应",
    "Land use: cropland red line and compensation (indirect pathway)": "土地利用：耕地红线与占补（间接路径）",
    "Agriculture and CCS": "农业与 CCS",
}


def sector_label(sector: str, lang: str) -> str:
    return SECTOR_ZH.get(sector, sector) if lang == "zh" else sector


# Units of the model file in Chinese (display only; the model keeps its own units).
#: Unit words in Chinese (order matters: longer phrases first). Symbols that are the
#: same in both languages (Mt, CO2, TWh, kWh, %, C) stay as they are.
_UNIT_ZH: tuple[tuple[str, str], ...] = (
    (r"fraction \(relative gap\)", "比例（相对差距）"),
    (r"fraction of peak intensity", "峰值强度的比例"),
    (r"\bfraction\b", "比例"),
    (r"\bper yr\b", "每年"),
    (r"10\^4 persons?", "万人"),
    (r"10\^4 ha", "万公顷"),
    (r"billion int\$", "十亿国际元"),
    (r"thousand int\$", "千国际元"),
    (r"int\$", "国际元"),
    (r"\bm2\b", "平方米"),
    (r"\bpersons?\b", "人"),
    (r"\bt C\b", "吨碳"),
    (r"\bt CO2\b", "吨 CO2"),
    (r"\bMt C\b", "百万吨碳"),
    (r"\bha\b", "公顷"),
    (r"\b[Yy]ears?\b", "年"),
    (r"\byr\b", "年"),
    (r"\bDmnl\b", "无量纲"),
    (r"\bnan\b", ""),
)
_UNIT_ZH_RE = tuple((re.compile(a), b) for a, b in _UNIT_ZH)


#: Words of the model's flow names (stock-and-flow diagram), for a Chinese rendering of
#: names without an entry in the variable labels ("urban expansion from cropland" ->
#: "城镇扩张（来自耕地）").
_FLOW_WORDS: dict[str, str] = {
    "urban": "城镇", "rural": "乡村", "births": "出生", "deaths": "死亡", "migration": "迁移", "to": "向",
    "expansion": "扩张", "cropland": "耕地", "forest": "林地", "grassland": "草地", "wetland": "湿地",
    "other": "其他", "land": "土地", "construction": "建设用地", "reclamation": "复垦", "reclaimed": "复垦的",
    "returning": "退耕", "afforestation": "造林", "compensation": "补充耕地", "GDP": "GDP", "growth": "增长",
    "energy": "能源", "intensity": "强度", "decline": "下降", "young": "幼龄", "middle": "中龄", "aged": "",
    "mature": "成熟", "carbon": "碳", "cleared": "清除", "clearing": "毁林", "harvested": "采伐",
    "harvest": "采伐", "and": "与", "disturbance": "干扰", "disturbed": "干扰损失", "sequestration": "固碳",
    "maturation": "成熟转移", "soil": "土壤", "gain": "增加", "loss": "损失", "commitment": "承诺",
    "release": "释放", "rural to urban": "乡城",
}


def model_name(name: str, lang: str) -> str:
    """A model variable's name for diagrams: the Vensim name (en); in Chinese its name of
    ``analysis/variable_names_zh.yaml``, else :func:`flow_label`'s word-by-word rendering."""
    if lang != "zh":
        return name
    from analysis.labels import model_name_zh

    return model_name_zh(name) or flow_label(name, lang)


def flow_label(name: str, lang: str) -> str:
    """A flow name for the diagram: as in the model (en) or word by word in Chinese."""
    if lang != "zh":
        return name
    text = name.replace("rural to urban", "rural_to_urban")
    parts = re.split(r" from | to ", text, maxsplit=1)
    sep = " from " if " from " in text else (" to " if " to " in text else None)

    def words(part: str) -> str:
        if part == "rural_to_urban":
            return "乡城"
        return "".join(_FLOW_WORDS.get(w, _FLOW_WORDS.get(w.lower(), w)) for w in part.replace("rural_to_urban", "乡城").split())

    if sep is None or len(parts) == 1:
        return words(parts[0])
    head, tail = words(parts[0]), words(parts[1])
    return f"{head}（来自{tail}）" if sep == " from " else f"{head}→{tail}"


def error_text(err: BaseException, lang: str) -> str:
    """The message of an input error in ``lang``: its Chinese text (``err.zh``, e.g. of
    :class:`scenarios.safe_yaml.InputError`) in the Chinese UI when it has one."""
    zh = getattr(err, "zh", None)
    return zh if lang == "zh" and zh else str(err)


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The string ``key`` in ``lang`` ('zh' or 'en'), formatted with ``fmt``."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**fmt) if fmt else text


def norm_lang(lang: object) -> str:
    """Return a supported language code, falling back to the default."""
    return lang if lang in LANGS else DEFAULT_LANG


def unit_label(units: str, lang: str) -> str:
    """Model units for display: Chinese words for the common units when lang='zh'."""
    if not units:
        return ""
    if lang != "zh":
        return "–" if units == "Dmnl" else units
    return units_zh(units)


def units_zh(text: str) -> str:
    """Unit words inside ``text`` in Chinese (e.g. a reason '... 13065 10^4 ha' -> '... 13065 万公顷')."""
    out = str(text)
    for pattern, zh in _UNIT_ZH_RE:
        out = pattern.sub(zh, out)
    return out


def tp_text(point: TurningPoint, lang: str) -> str:
    """A turning point for tables and headline numbers: its year, '≤ 2025' when it lies at
    or before the start of the projection era (a boundary, e.g. an emission peak in the
    last data year), or the word for 'not reached'."""
    text = point.year_text()
    return text if text and not text.startswith(">") else t("not_reached", lang)


def year_text(year: object, lang: str) -> str:
    """A year for tables: '2030' or the word for 'not reached'."""
    try:
        y = float(year)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return t("not_reached", lang)
    if y != y:  # NaN
        return t("not_reached", lang)
    return f"{y:.0f}"
