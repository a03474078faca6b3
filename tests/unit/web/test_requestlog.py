import json
import logging
import sys

from app.web.requestlog import SANE_REQUEST_ID, JsonFormatter, current_request_id, request_ids_in_log_records


def test_a_record_is_one_json_line_with_its_request_id_extra_fields_and_traceback():
    request_ids_in_log_records()
    during_request = current_request_id.set("abc")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.getLogger("cityloop.test").makeRecord(
            "cityloop.test", logging.ERROR, __file__, 1, "failed on %s", ("GET /x\n",), sys.exc_info(),
            extra={"status": 500},
        )  # fmt: skip
    finally:
        current_request_id.reset(during_request)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "cityloop.test"
    assert entry["message"] == "failed on GET /x\n"
    assert entry["request_id"] == "abc" and entry["status"] == 500
    assert entry["exception"].startswith("Traceback") and "ValueError: bad" in entry["exception"]
    assert entry["time"].endswith("Z") and len(entry["time"]) == len("2026-12-03T10:41:49.425Z")


def test_a_proxy_s_request_id_must_be_short_plain_text():
    assert SANE_REQUEST_ID.fullmatch("9f1c2e7a-b3d4.proxy:1")
    for forged in ("", "a" * 65, "two words", "x\ny", "é", '"}'):
        assert not SANE_REQUEST_ID.fullmatch(forged)
