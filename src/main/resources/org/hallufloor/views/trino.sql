-- hallufloor dashboard views, Trino dialect. ${schema} is where Trino finds the tables: a Hive
-- catalog's schema with them registered over output.root, partitioned by run_id (output.format
-- = parquet), or the schema of Trino's Iceberg connector over the same catalog the job wrote to
-- (output.format = iceberg, e.g. iceberg.hallufloor). Only successful runs are shown.

CREATE OR REPLACE VIEW ${schema}.hf_latest_run_per_slice AS
SELECT slice_dim, slice_value, max_by(run_id, finished_at) AS run_id, max(finished_at) AS finished_at
FROM (
  SELECT DISTINCT b.run_id, b.slice_dim, b.slice_value, r.finished_at
  FROM ${schema}.slice_bounds b JOIN ${schema}.runs r ON r.run_id = b.run_id
  WHERE r.status = 'SUCCEEDED'
) t
GROUP BY slice_dim, slice_value;

CREATE OR REPLACE VIEW ${schema}.hf_main_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.tokenizer, b.beta_s, b.temperature,
       b.examples, b.log10_k, b.bound, b.log10_bound, b.empirical_bound, b.model_ph
FROM ${schema}.slice_bounds b
JOIN ${schema}.hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
WHERE b.distribution = 'occurrence' AND coalesce(b.beta_source, 'config') = 'config';

-- The bound at the fitted scale (THEORY 5); fitted_scale registered beside slice_bounds.
CREATE OR REPLACE VIEW ${schema}.hf_fitted_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.distribution, f.a_star, f.a_ci_low,
       f.a_ci_high, f.heldout_log_likelihood, b.bound, b.log10_bound, b.empirical_bound
FROM ${schema}.slice_bounds b
JOIN ${schema}.hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
JOIN ${schema}.fitted_scale f
  ON f.run_id = b.run_id AND f.slice_dim = b.slice_dim AND f.slice_value = b.slice_value
 AND f.context_len = b.context_len AND f.kernel = b.kernel
WHERE b.beta_source = 'fitted' AND b.distribution IN ('occurrence', 'heldout');

CREATE OR REPLACE VIEW ${schema}.hf_f_curve_long AS
SELECT f.run_id, f.slice_dim, f.slice_value, f.context_len, f.kernel, f.beta_s, f.temperature, f.distribution,
       f.eps0, s.series, s.value
FROM ${schema}.f_curve f
JOIN ${schema}.hf_latest_run_per_slice l
  ON l.run_id = f.run_id AND l.slice_dim = f.slice_dim AND l.slice_value = f.slice_value
CROSS JOIN UNNEST (ARRAY['f', 'f_markov_lower', 'g', 'g_markov'], ARRAY[f.f, f.f_markov_lower, f.g, f.g_markov])
  AS s(series, value);
