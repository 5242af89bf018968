{#-
    How the CLV models fitted and how many customers each way of scoring
    covered: one row per model. A model that did not fit never stops the
    build; its customers are scored by the fallback named here (see
    score_customers in src/audience/clv.py), and a warning-severity test on
    this table makes every build that used one say so.
-#}

with

parameters as (

    select * from {{ ref('clv_model_parameters') }}

),

scored as (

    select * from {{ ref('customer_ltv') }}
    where clv_method is not null

),

fits as (

    select
        model,
        max(fit_status) as fit_status,
        max(fit_message) as fit_message,
        max(n_customers) as n_customers_fitted,
        max(log_likelihood) as log_likelihood

    from parameters
    group by model

),

methods as (

    select
        count(*) as buyers,
        count(case when clv_method in ('bg_nbd_gamma_gamma', 'bg_nbd_average_order_value') then 1 end)
            as scored_by_bg_nbd,
        count(case when clv_method = 'bg_nbd_gamma_gamma' then 1 end) as scored_by_gamma_gamma

    from scored

),

final as (

    select
        -- ids
        fits.model,

        -- strings
        fits.fit_status,
        fits.fit_message,
        case
            when fits.fit_status <> 'failed' then null
            when fits.model = 'bg_nbd' then 'run_rate_heuristic'
            else 'average_order_value'
        end as fallback_method,

        -- numerics
        fits.n_customers_fitted,
        fits.log_likelihood,
        case when fits.model = 'bg_nbd' then methods.scored_by_bg_nbd else methods.scored_by_gamma_gamma end
            as customers_scored_by_model,
        methods.buyers
            - case when fits.model = 'bg_nbd' then methods.scored_by_bg_nbd else methods.scored_by_gamma_gamma end
            as customers_scored_by_fallback

    from fits
    cross join methods

)

select * from final
