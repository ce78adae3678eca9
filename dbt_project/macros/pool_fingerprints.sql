{#- The UTC day of an instant as a day number (days since 1970-01-01): plain arithmetic, no
    timezone lookup per row. -#}
{% macro utc_day_number(instant) -%}
    epoch_us({{ instant }}) // 86400000000
{%- endmacro %}

{#- The aggregates that fingerprint a group of number assignments (int_pool_assignment_days,
    int_pool_rebuilt_days): two order-free hash sums and the count, the earliest assignment
    (where a changed group's local days begin) and the latest end of a hold (the pool's last
    sweep boundary). -#}
{% macro assignment_fingerprint() -%}
    count(*) as assignment_count,
    bit_xor(hash(session_id, tracking_number, assigned_at, held_until)) as fingerprint_xor,
    sum(hash(session_id, tracking_number, assigned_at, held_until) % 1000003) as fingerprint_sum,
    min(assigned_at) as first_assigned_at,
    max(held_until) filter (where held_until > assigned_at) as last_held_until
{%- endmacro %}
