-- Each row: what a macro returns for an input, next to what it should return.
select
    'normalize_email' as macro_name,
    {{ normalize_email("'  Ann.Lee@GMAIL.com '") }} as actual,
    'ann.lee@gmail.com' as expected

union all

select 'normalize_email blank', {{ normalize_email("'   '") }}, null

union all

-- a tab, a newline, a no-break space, a zero-width space, a byte-order mark and an ideographic space
select 'normalize_email invisible characters',
    {{ normalize_email("chr(9) || 'Ann' || chr(8203) || '@x.io' || chr(10) || chr(160) || chr(65279) || chr(12288)") }},
    'ann@x.io'

union all

select 'normalize_email only invisible characters', {{ normalize_email("chr(8203) || chr(9)") }}, null

union all

select 'email_issue longer than 254', {{ email_issue("repeat('a', 250) || '@x.io'") }}, 'email_too_long'

union all

select 'email_issue 254 is fine', {{ email_issue("repeat('a', 249) || '@x.io'") }}, null

union all

select 'timestamp_issue before the plausible window',
    {{ timestamp_issue("'1900-01-01T00:00:00Z'", "timestamp '2026-03-01 00:00:00'") }}, 'implausible_date'

union all

select 'timestamp_issue minus infinity',
    {{ timestamp_issue("'-infinity'", "timestamp '2026-03-01 00:00:00'") }}, 'implausible_date'

union all

select 'loaded_at_issue missing', {{ loaded_at_issue("cast(null as timestamp)") }}, 'missing_loaded_at'

union all

select 'loaded_at_issue year 2100', {{ loaded_at_issue("timestamp '2100-01-01 00:00:00'") }}, 'future_loaded_at'

union all

select 'loaded_at_issue a past load', {{ loaded_at_issue("timestamp '2026-03-01 00:00:00'") }}, null

union all

select 'amount_issue NaN', {{ amount_issue("cast('NaN' as double)") }}, 'non_finite_amount'

union all

select 'amount_issue minus infinity', {{ amount_issue("cast('-Infinity' as double)") }}, 'non_finite_amount'

union all

select 'amount_issue 1e30', {{ amount_issue("1e30") }}, 'implausible_amount'

union all

select 'amount_issue zero', {{ amount_issue("0.0") }}, 'non_positive_amount'

union all

select 'amount_issue zero allowed', {{ amount_issue("0.0", allow_zero=true) }}, null

union all

select 'amount_issue null', {{ amount_issue("cast(null as double)", allow_zero=true) }}, 'non_positive_amount'

union all

select 'plausible_amount NaN is null', cast({{ plausible_amount("cast('NaN' as double)") }} as varchar), null

union all

select 'plausible_amount keeps a price', cast({{ plausible_amount("12.5") }} as double)::varchar, '12.5'

union all

select 'enum_issue unknown', {{ enum_issue("'shipped'", ['paid', 'refunded'], 'unknown_status') }}, 'unknown_status'

union all

select 'enum_issue missing', {{ enum_issue("cast(null as varchar)", ['paid'], 'unknown_status') }}, 'unknown_status'

union all

select 'enum_issue known', {{ enum_issue("'paid'", ['paid', 'refunded'], 'unknown_status') }}, null

union all

select 'to_utc_timestamp offset', cast({{ to_utc_timestamp("'2026-03-01T10:00:00-05:00'") }} as varchar), '2026-03-01 15:00:00'

union all

select 'to_utc_timestamp naive', cast({{ to_utc_timestamp("'2026-03-01 10:00:00'") }} as varchar), '2026-03-01 10:00:00'

union all

select 'to_utc_timestamp garbage', cast({{ to_utc_timestamp("'31/12/2025 10:00'") }} as varchar), null

union all

select 'email_issue test account', {{ email_issue("'qa@mailinator.com'") }}, 'test_account'

union all

select 'email_issue invalid', {{ email_issue("'qa@mailinator'") }}, 'invalid_email'

union all

select 'email_issue missing required', {{ email_issue("cast(null as varchar)") }}, 'invalid_email'

union all

select 'email_issue missing optional', {{ email_issue("cast(null as varchar)", required=false) }}, null

union all

select 'timestamp_issue future',
    {{ timestamp_issue("'2026-03-03T00:00:00Z'", "timestamp '2026-03-01 00:00:00'") }}, 'future_timestamp'

union all

select 'timestamp_issue within tolerance',
    {{ timestamp_issue("'2026-03-01T23:00:00Z'", "timestamp '2026-03-01 00:00:00'") }}, null

union all

select 'timestamp_issue missing', {{ timestamp_issue("'  '", "timestamp '2026-03-01 00:00:00'") }}, 'missing_timestamp'

union all

select 'timestamp_issue unparseable',
    {{ timestamp_issue("'2026-02-30T10:00:00Z'", "timestamp '2026-03-01 00:00:00'") }}, 'unparseable_timestamp'

union all

select 'timestamp_issue without a load time', {{ timestamp_issue("'2026-03-03T00:00:00Z'", "cast(null as timestamp)") }}, null

union all

select 'surrogate_key is null-safe and ordered',
    cast({{ surrogate_key(["cast(null as varchar)", "'x'"]) }} = {{ surrogate_key(["'x'", "cast(null as varchar)"]) }} as varchar),
    'false'

union all

select 'slugify punctuation and case', {{ slugify("'  Mid value, LOW engagement!'") }}, 'mid_value_low_engagement'

union all

select 'slugify keeps digits', {{ slugify("'Top 20%'") }}, 'top_20'

union all

select 'json_scalar number wins', cast({{ json_scalar("6.0::double", "'x'") }} as varchar), '6.0'

union all

select 'json_scalar text', cast({{ json_scalar("cast(null as double)", "'at_risk'") }} as varchar), '"at_risk"'

union all

select 'json_object_of nests json', cast({{ json_object_of({'offer': "'BDAY15'", 'facts': "json_object('age', 30)"}) }} as varchar),
    '{"offer":"BDAY15","facts":{"age":30}}'

union all

select 'json_object_agg and json_array_agg',
    cast({{ json_object_of({'o': json_object_agg('k', 'v'), 'a': json_array_agg('k', 'v desc')}) }} as varchar),
    '{"o":{"a":1,"b":2},"a":["b","a"]}'
from (select 'a' as k, 1 as v union all select 'b', 2)

union all

-- NIST FIPS 180-2 example: SHA-256("abc")
select 'sha256 of abc', {{ sha256("'abc'") }}, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'

union all

select 'safe_cast gives null on bad input', cast({{ dbt.safe_cast("'north'", dbt.type_float()) }} as varchar), null

union all

select 'pipe_list_contains a whole value', cast({{ pipe_list_contains("'gold|silver'", "'silver'") }} as varchar), 'true'

union all

select 'pipe_list_contains not a part of one', cast({{ pipe_list_contains("'ab|c'", "'a'") }} as varchar), 'false'

union all

select 'pipe_list_contains negated', cast(not {{ pipe_list_contains("'ab|c'", "'c'") }} as varchar), 'false'

union all

-- the value on the row of the smallest key, a null value included (arg_min would skip it)
select 'values_at_min keeps a null value', first_row.v, null
from (
    select {{ values_at_min(['v'], 'k') }} as first_row
    from (select 'x' as v, 2 as k union all select null, 1)
)

union all

select 'values_at_max breaks ties by the key row', last_row.v, 'b'
from (
    select {{ values_at_max(['v'], 'row(k, v)') }} as last_row
    from (select 'a' as v, 1 as k union all select 'b', 1 union all select 'c', 0)
)

union all

-- several columns of the smallest key's row, a null among them kept
select 'values_at_min takes every column from one row', (first_row.v || '/' || coalesce(first_row.w, 'null')), 'y/null'
from (
    select {{ values_at_min(['v', 'w'], 'k') }} as first_row
    from (select 'x' as v, 'a' as w, 2 as k union all select 'y', null, 1 union all select 'z', 'c', 3)
)

union all

select 'values_at_max on a key row', (last_row.v || '/' || last_row.w), 'c/1'
from (
    select {{ values_at_max(['v', 'w'], 'row(k, v)') }} as last_row
    from (select 'a' as v, '0' as w, 1 as k union all select 'c', '1', 1 union all select 'b', '2', 1 union all select 'z', '3', 0)
)

union all

-- quintiles of 4,194,309 rows: the top one holds the ranks r with floor(5 (r - 1) / n) = 4, i.e.
-- n - ceil(4n / 5) = 838,861 rows; in 32-bit floats 5 (r - 1) / n of its first rank rounds up to 4
-- and puts one row more there (2^22 + 5 rows: the smallest count where that happens)
select 'quantile_score exact beyond 2^22 rows', cast(count(*) as varchar), '838861'
from (select {{ quantile_score('i') }} as score from range(4194309) as numbers(i))
where score = 5
