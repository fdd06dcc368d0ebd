"""platform_kit.answers: what is kept, under which key, and for how long."""
import json

from platform_kit.answers import AnswerStore


def test_an_answer_is_built_once_per_key_and_encoded_once():
    store = AnswerStore(entries=10)
    built = []

    def build():
        built.append(1)
        return {"名称": "阶段", "n": len(built)}

    first = store.answer(((1, 2), "p"), build)
    again = store.answer(((1, 2), "p"), build)
    assert first is again and len(built) == 1 and (store.hits, store.misses) == (1, 1)
    assert json.loads(first.encoded) == {"名称": "阶段", "n": 1}
    assert first.encoded is again.encoded
    assert store.answer(((1, 3), "p"), build).data["n"] == 2        # another stamp: built again


def test_no_stamp_or_no_room_keeps_nothing():
    store = AnswerStore(entries=10)
    assert store.answer((None, "p"), lambda: {"a": 1}).data == {"a": 1}
    assert len(store) == 0
    off = AnswerStore(entries=0)
    off.answer(((1,), "p"), lambda: {"a": 1})
    assert len(off) == 0


def test_the_least_recently_used_answer_goes_first():
    store = AnswerStore(entries=2)
    store.answer((1, "a"), lambda: "a")
    store.answer((1, "b"), lambda: "b")
    store.answer((1, "a"), lambda: "a again")        # a is used: b is now the oldest
    store.answer((1, "c"), lambda: "c")
    assert len(store) == 2
    assert store.answer((1, "a"), lambda: "rebuilt").data == "a"
    assert store.answer((1, "b"), lambda: "rebuilt").data == "rebuilt"
