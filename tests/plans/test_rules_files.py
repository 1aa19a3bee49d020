"""The shipped rules files carry the documents' figures exactly."""

from __future__ import annotations

from datetime import date

from bot.plans.model import Plan


def test_kaohsiung_bundles_and_hours(kaohsiung: Plan) -> None:
    assert [b.name for b in kaohsiung.bundles] == [
        "e馬當先育職能", "e興盎然學專業", "e見鍾情戀高雄", "英語大聲公", "機智英檢生活",
    ]  # fmt: skip
    assert all(b.hours == 10 for b in kaohsiung.bundles)
    assert [len(b.courses) for b in kaohsiung.bundles] == [8, 7, 7, 6, 4]
    ema = kaohsiung.bundles_by_id["ema"]
    assert {c.category for c in ema.courses} == {
        "當前政府重大政策",
        "環境教育",
        "人權教育",
        "性別主流化",
        "多元族群文化",
    }
    assert next(c for c in ema.courses if c.category == "性別主流化").hours == 2
    english = kaohsiung.groups_by_id["english"]
    assert english.name == "e猶未盡上課趣" and english.bundles == ("loud", "gept") and english.need == 1
    assert kaohsiung.plan.audience.excluded is not None
    assert "教師" in kaohsiung.plan.audience.excluded.zh_TW and "臨時人員" in kaohsiung.plan.audience.excluded.zh_TW


def test_kaohsiung_rewards(kaohsiung: Plan) -> None:
    comp, commendation = kaohsiung.rewards
    assert comp.type == "comp_leave" and comp.cap_hours == 16
    assert comp.deadline.date == date(2023, 8, 31)
    assert [(a.requires, a.hours) for a in comp.awards] == [
        (("ema",), 4), (("exing",), 4), (("ejian",), 4), (("english",), 4),
    ]  # fmt: skip
    assert comp.off_duty_required and comp.unpaid_leave == "excluded"
    assert commendation.type == "commendation" and commendation.total_hours == 40
    assert commendation.awards[0].requires == ("ema", "exing", "ejian", "english")
    assert not commendation.off_duty_required and commendation.unpaid_leave == "allowed"


def test_hsinchu_bundle_and_reward(hsinchu: Plan) -> None:
    (bundle,) = hsinchu.bundles
    assert bundle.hours == 30 and len(bundle.courses) == 20
    required = [c for c in bundle.courses if c.section == "公務人員必修課程"]
    assert sum(c.hours for c in required) == 10
    (reward,) = hsinchu.rewards
    assert reward.deadline.date == date(2020, 9, 30) and reward.deadline.action == "submit"
    assert [(a.requires, a.hours) for a in reward.awards] == [(("hccg",), 8)]
    assert not reward.off_duty_required and reward.unpaid_leave == "unspecified"
    assert {c.id for c in hsinchu.channels} == {"open-courses", "moocs", "micro-learning", "spoc", "ebooks", "live"}


def test_help_desks_carry_contacts(kaohsiung: Plan, hsinchu: Plan) -> None:
    assert {d.phone for d in kaohsiung.help_desks} == {"02-2397-9108", "02-2192-7111"}
    emails = {d.email for d in hsinchu.help_desks}
    assert {"pemis@dgpa.gov.tw", "egov@service.gov.tw"} <= emails
