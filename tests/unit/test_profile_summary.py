"""The profile summary adds samples up by kind of work, activity, library and function."""

from __future__ import annotations

from bench.profile_summary import read, report

RAW = [
    "run (threading.py:1);_execute_sync_activity (temporalio/worker/_activity.py:9);"
    "ShippingActivities.book_parcel (activities/shipping.py:50);label_pdf (providers/sandbox/carrier.py:58);"
    "loadData (fontTools/ttLib/sfnt.py:534) 3",
    "run_forever (asyncio/base_events.py:1);poll (temporalio/worker/_workflow.py:5) 1",
    "not a sample line",
]


def test_samples_are_shared_out_by_where_they_were_taken():
    profile = read(RAW)
    assert profile.samples == 4
    assert profile.kinds == {"activities (their threads)": 3, "event loop, SDK bridge, other": 1}
    assert profile.activities == {"ShippingActivities.book_parcel": 3}
    assert profile.libraries == {"fontTools (PDF fonts)": 3, "temporalio": 1}
    assert profile.functions["label_pdf"] == 3
    assert " 75.0%  ShippingActivities.book_parcel" in report(profile, top=5)
