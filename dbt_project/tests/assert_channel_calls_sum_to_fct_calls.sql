-- Every call of fct_calls is counted exactly once in mart_channel_performance, per account.
with

facts as (

    select
        account_id,
        count(*) as calls
    from {{ ref('fct_calls') }}
    group by account_id

),

mart as (

    select
        account_id,
        sum(calls) as calls
    from {{ ref('mart_channel_performance') }}
    group by account_id

),

final as (

    select
        coalesce(facts.account_id, mart.account_id) as account_id,
        facts.calls as fct_calls,
        mart.calls as mart_calls
    from facts
    full outer join mart on facts.account_id = mart.account_id
    where facts.calls is distinct from mart.calls

)

select * from final
