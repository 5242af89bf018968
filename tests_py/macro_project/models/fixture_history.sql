{#-
    fixture_loads as a history table: each row's time is the as-of time of
    the build that wrote it (as_of_at), and no column is called _loaded_at.
-#}
select
    event_id,
    amount,
    _loaded_at as as_of_at
from {{ ref('fixture_loads') }}
