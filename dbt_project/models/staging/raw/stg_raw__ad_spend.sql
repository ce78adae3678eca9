-- Every arrival, restatements included: only the restatement test reads this; models read
-- stg_raw__ad_spend_current.
with

source as (

    select * from {{ source('raw', 'ad_spend') }}

),

renamed as (

    select
        account_id,
        platform,
        date as spend_date,
        ad_account_id,
        campaign_id,
        ad_group_id,
        keyword_id,
        cost_micros,
        spend,
        currency,
        _arrival_date as arrival_date,
        _file_key as file_key,
        _row_number as row_number

    from source

),

final as (

    select * from renamed

)

select * from final
