-- hallufloor dashboard views, DuckDB dialect. Replace ${root} with output.root
-- (scripts or BI tools: sed, or DuckDB's own parameter handling).
-- Only runs whose runs.status is SUCCEEDED are ever shown.

CREATE OR REPLACE VIEW hf_runs AS
SELECT * FROM read_parquet('${root}/runs/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR});

-- union_by_name: runs written before a column was added read it as NULL (beta_source: 'config').
CREATE OR REPLACE VIEW hf_slice_bounds AS
SELECT * FROM read_parquet('${root}/slice_bounds/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR},
  union_by_name = true);

CREATE OR REPLACE VIEW hf_fitted_scale AS
SELECT * FROM read_parquet('${root}/fitted_scale/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR});

CREATE OR REPLACE VIEW hf_f_curve AS
SELECT * FROM read_parquet('${root}/f_curve/*/*.parquet', hive_partitioning = true, hive_types = {'run_id': VARCHAR});

-- For each slice, the latest successful run that has it.
CREATE OR REPLACE VIEW hf_latest_run_per_slice AS
SELECT slice_dim, slice_value, arg_max(run_id, finished_at) AS run_id, max(finished_at) AS finished_at
FROM (
  SELECT DISTINCT b.run_id, b.slice_dim, b.slice_value, r.finished_at
  FROM hf_slice_bounds b JOIN hf_runs r ON r.run_id = b.run_id
  WHERE r.status = 'SUCCEEDED'
)
GROUP BY slice_dim, slice_value;

-- The main bound per slice and context length: contexts as they occur in the slice.
CREATE OR REPLACE VIEW hf_main_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.tokenizer, b.beta_s, b.temperature,
       b.examples, b.log10_k, b.bound, b.log10_bound, b.empirical_bound, b.model_ph
FROM hf_slice_bounds b
JOIN hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
WHERE b.distribution = 'occurrence' AND coalesce(b.beta_source, 'config') = 'config';

-- The bound at the scale that fits the slice's held-out text best (THEORY 5), per slice and
-- context length: the fitted a* with its interval, and the occurrence and held-out bounds there.
CREATE OR REPLACE VIEW hf_fitted_bound AS
SELECT b.run_id, b.slice_dim, b.slice_value, b.context_len, b.kernel, b.distribution, f.a_star, f.a_ci_low,
       f.a_ci_high, f.heldout_log_likelihood, b.bound, b.log10_bound, b.empirical_bound
FROM hf_slice_bounds b
JOIN hf_latest_run_per_slice l
  ON l.run_id = b.run_id AND l.slice_dim = b.slice_dim AND l.slice_value = b.slice_value
JOIN hf_fitted_scale f
  ON f.run_id = b.run_id AND f.slice_dim = b.slice_dim AND f.slice_value = b.slice_value
 AND f.context_len = b.context_len AND f.kernel = b.kernel
WHERE b.beta_source = 'fitted' AND b.distribution IN ('occurrence', 'heldout');

-- The f-curve in long form: one row per point and series, for line charts.
CREATE OR REPLACE VIEW hf_f_curve_long AS
SELECT f.run_id, f.slice_dim, f.slice_value, f.context_len, f.kernel, f.beta_s, f.temperature, f.distribution,
       f.eps0, s.series, s.value
FROM hf_f_curve f
JOIN hf_latest_run_per_slice l
  ON l.run_id = f.run_id AND l.slice_dim = f.slice_dim AND l.slice_value = f.slice_value
CROSS JOIN LATERAL (VALUES ('f', f.f), ('f_markov_lower', f.f_markov_lower), ('g', f.g), ('g_markov', f.g_markov))
  AS s(series, value);
