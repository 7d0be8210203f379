-- hallufloor dashboard views, Spark SQL dialect, over the temporary views hf_runs,
-- hf_slice_bounds, hf_fitted_scale and hf_f_curve that spark.sql (Parquet output) or
-- spark-iceberg.sql (Iceberg output) defines. Only successful runs are shown.

CREATE OR REPLACE TEMPORARY VIEW hf_latest_run_per_slice AS
SELECT slice_dim, slice_value, max_by(run_id, finished_at) AS run_id, max(finished_at) AS finished_at
FROM (
  SELECT DISTINCT b.run_id, b.slice_dim, b.slice_value, r.finished_at
  FROM hf_slice_bounds b JOIN hf_runs r ON r.run_id = b.run_id
  WHERE r.status = 'SUCCEEDED'
) t
GROUP BY slice_dim, slice_value;

CREATE OR REPLACE TEMPORARY VIEW hf_main_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.tokenizer, b.beta_s, b.temperature,
       b.examples, b.log10_k, b.bound, b.log10_bound, b.empirical_bound, b.model_ph
FROM hf_slice_bounds b
JOIN hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
WHERE b.distribution = 'occurrence' AND coalesce(b.beta_source, 'config') = 'config';

CREATE OR REPLACE TEMPORARY VIEW hf_fitted_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.distribution, f.a_star, f.a_ci_low,
       f.a_ci_high, f.heldout_log_likelihood, b.bound, b.log10_bound, b.empirical_bound
FROM hf_slice_bounds b
JOIN hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
JOIN hf_fitted_scale f
  ON f.run_id = b.run_id AND f.slice_dim = b.slice_dim AND f.slice_value = b.slice_value
 AND f.context_len = b.context_len AND f.kernel = b.kernel
WHERE b.beta_source = 'fitted' AND b.distribution IN ('occurrence', 'heldout');

CREATE OR REPLACE TEMPORARY VIEW hf_f_curve_long AS
SELECT f.run_id, f.slice_dim, f.slice_value, f.context_len, f.kernel, f.beta_s, f.temperature, f.distribution,
       f.eps0, s.series, s.value
FROM hf_f_curve f
JOIN hf_latest_run_per_slice l
  ON l.run_id = f.run_id AND l.slice_dim = f.slice_dim AND l.slice_value = f.slice_value
LATERAL VIEW stack(4, 'f', f.f, 'f_markov_lower', f.f_markov_lower, 'g', f.g, 'g_markov', f.g_markov) s AS series, value;
