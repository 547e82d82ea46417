"""Pure pieces of the statistics page: chart geometry, the workbook and the calendar writer."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

from icalendar import Calendar
from openpyxl import load_workbook

from capture.guidance import charts
from exporters import calendar as ics, statistics as workbook


def test_axis_uses_whole_numbers():
    assert charts.scale(1) == (1, [0, 1])
    assert charts.scale(7) == (8, [0, 2, 4, 6, 8])
    assert charts.scale(23) == (30, [0, 10, 20, 30])


def test_stacked_columns_put_online_on_top_of_on_site():
    chart = charts.columns(["2026-01", "2026-02"], [("on-site", "现场", [2, 0]),
                                                    ("online", "线上", [2, 1])])
    on_site, online_jan, online_feb = chart.bars
    assert on_site[4] == "on-site" and online_jan[4] == "online"
    assert online_jan[1] + online_jan[3] == on_site[1]  # sits right on top
    assert on_site[3] == online_jan[3]  # two each in January: equal heights
    assert [label[2] for label in chart.labels] == ["2026-01", "2026-02"]


def test_rows_label_each_bar_with_its_total():
    chart = charts.rows(["区新冠肺炎疫情防控工作指挥部办公室综合组"], [("on-site", "现场", [3]),
                                                           ("online", "线上", [1])])
    texts = [label[2] for label in chart.labels]
    assert texts[0].endswith("…") and texts[-1] == "4"


def test_workbook_has_a_sheet_per_table_with_a_bold_header():
    data = workbook.write([("按月指导次数", ["月份", "现场"], [["2026-02", 3]]),
                           ("a/b:c", ["x"], [])], title="统计")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["按月指导次数", "abc"]
    assert book["按月指导次数"]["A1"].font.bold and book["按月指导次数"]["B2"].value == 3


def test_calendar_writer_marks_cancelled_check_ins():
    zone = ZoneInfo("Asia/Shanghai")
    data = ics.write([ics.CalendarEvent("c-1@x", dt.datetime(2026, 3, 3, 14, 30, tzinfo=zone), 90,
                                        "档案指导", status="cancelled")], "日历", "Asia/Shanghai")
    [event] = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTEND") == dt.datetime(2026, 3, 3, 16, 0, tzinfo=zone)
