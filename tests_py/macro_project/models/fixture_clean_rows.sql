select * from {{ ref('fixture_counts') }} where kind = 'clean'
