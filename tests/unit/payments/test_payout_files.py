from app.payments.payout_files import amount, cell, csv_text


def test_amounts_are_plain_numbers_a_spreadsheet_adds_up():
    assert (amount(4550), amount(5), amount(0), amount(-1250)) == ("45.50", "0.05", "0.00", "-12.50")


def test_a_name_a_provider_typed_never_runs_as_a_formula():
    assert [cell(v) for v in ("=HYPERLINK(1)", "+34 600", "-x", "@SUM", "Casa Neta", 3)] == [
        "'=HYPERLINK(1)",
        "'+34 600",
        "'-x",
        "'@SUM",
        "Casa Neta",
        "3",
    ]


def test_rows_become_csv_lines_with_quotes_where_needed():
    assert csv_text([("provider", "paid"), ('Neta, "la casa"', "45.50")]) == (
        'provider,paid\r\n"Neta, ""la casa""",45.50\r\n'
    )
