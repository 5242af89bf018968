-- the build's as-of time, as the main project's int_as_of_date gives it to its snapshots
select cast('2026-01-0{{ var("day") }} 00:00:00' as timestamp) as as_of_at
